#!/bin/sh
# 'pip install bindings/python' gives a working package, and the
# installed package finds libhvx without HVX_LIBRARY: through the
# dynamic linker (by soname), then through pkg-config's libdir.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pylib.sh"
require pkg-config
find_python setuptools wheel
"$PY" -m pip --version >/dev/null 2>&1 || fail "$PY has no pip (install python3-pip)"
python_env
libs=$(cd "$(dirname "$HVX_LIBRARY")" && pwd -P)

# A writable copy: pip builds in the source directory, and the source
# tree is read-only under distcheck.
cp -R "$top_srcdir/bindings/python" "$T/src"
chmod -R u+w "$T/src"
PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PY" -m pip install -q --no-build-isolation --no-deps --no-index \
  --no-cache-dir --target "$T/site" "$T/src" >"$T/pip.log" 2>&1 ||
  { cat "$T/pip.log" >&2; fail "pip install bindings/python failed"; }
[ -f "$T/site/hvx/py.typed" ] || fail "py.typed was not installed"

cat >"$T/use.py" <<'PY'
import os, sys
import hvx
where = os.path.realpath(hvx.library_path())
print(where)
assert hvx.__file__.startswith(sys.argv[1]), hvx.__file__
assert "raw" in hvx.formats()
with hvx.Image.create(os.path.join(sys.argv[2], "t.raw"), "raw", "1M") as img:
    img.pwrite(b"installed", 4096)
    assert img.info().virtual_size == 1 << 20
PY

# By soname: LD_LIBRARY_PATH (set by the test harness) has the library.
out=$(unset HVX_LIBRARY; export PYTHONPATH="$T/site" LD_LIBRARY_PATH="$libs"
      run_py "$T/use.py" "$T/site" "$T") || fail "import by soname failed"
case $out in "$libs"/libhvx.so*) ;; *) fail "loaded $out, not from $libs" ;; esac

# By pkg-config: nothing on the linker's path, an hvx.pc naming libdir.
# (Not testable where a libhvx is installed in the ld.so cache: that one
# is found first, by soname, as it should be.)
if ldconfig -p 2>/dev/null | grep -q 'libhvx\.so\.0 '; then
  echo "note: libhvx is installed system-wide; pkg-config lookup not tested"
  echo "ok"
  exit 0
fi
mkdir "$T/pc"
printf 'libdir=%s\nName: hvx\nDescription: hvx\nVersion: 0.1.0\nLibs: -L${libdir} -lhvx\n' \
  "$libs" >"$T/pc/hvx.pc"
rm -f "$T/t.raw"
out=$(unset HVX_LIBRARY LD_LIBRARY_PATH
      export PYTHONPATH="$T/site" PKG_CONFIG_PATH="$T/pc"
      run_py "$T/use.py" "$T/site" "$T") ||
  fail "import through pkg-config failed"
case $out in "$libs"/libhvx.so*) ;; *) fail "loaded $out, not from $libs" ;; esac

# A wrong HVX_LIBRARY is an ImportError that says so.
set +e
(export HVX_LIBRARY="$T/nope.so" PYTHONPATH="$T/site"
 run_py -c 'import hvx') >"$T/err" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] || fail "import hvx with a bad HVX_LIBRARY succeeded"
grep -q "ImportError: hvx: cannot load HVX_LIBRARY=$T/nope.so" "$T/err" ||
  { cat "$T/err" >&2; fail "bad HVX_LIBRARY: unclear error"; }
echo "ok"
