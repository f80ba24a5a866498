"""The package's type hints are complete and consistent (mypy --strict)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hvx
from conftest import STRICT


def test_package_passes_mypy_strict():
    if importlib.util.find_spec("mypy") is None:
        if STRICT:
            pytest.fail("mypy is missing (install python3-mypy)")
        pytest.skip("mypy not installed")
    package = Path(hvx.__file__).parent
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict",
                        "--cache-dir", os.devnull, "--no-error-summary",
                        str(package)],
                       capture_output=True, text=True, env=env, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
