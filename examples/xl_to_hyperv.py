#!/usr/bin/env python3
"""Example: translate a Xen guest configuration (xl.cfg) into a
PowerShell script that recreates the guest on Hyper-V, and list what the
translation changed or lost.

    python3 xl_to_hyperv.py GUEST.cfg > guest.ps1
"""

import sys

import hvx


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: xl_to_hyperv.py GUEST.cfg", file=sys.stderr)
        return 2
    report = hvx.Report()  # every step below adds to it
    try:
        xen = hvx.VM.from_xl_file(sys.argv[1], report=report)
        hyperv = xen.to_hyperv(report=report)  # generation from firmware
        script = hyperv.to_powershell(report=report)
    except hvx.Error as e:
        print(f"xl_to_hyperv.py: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(script)
    for item in report:
        print(f"{item.severity.label}: {item.subject}: {item.message}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
