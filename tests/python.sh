#!/bin/sh
# The Python bindings' pytest suite (bindings/python/tests), against the
# build tree's libhvx; qemu-img and nm are its oracles.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pylib.sh"
require qemu-img
require nm
find_python pytest
python_env

# Every source file of the bindings ships in the tarball (python.am).
(cd "$top_srcdir" && find bindings/python -path '*/build' -prune -o \
   -path '*.egg-info' -prune -o -path '*/__pycache__' -prune -o \
   -type f \( -name '*.py' -o -name '*.toml' -o -name '*.md' -o \
   -name py.typed \) -print) | while read -r f; do
  grep -qxF "	$f \\" "$top_srcdir/bindings/python/python.am" ||
    fail "$f is not listed in bindings/python/python.am"
done

# No cache in the (maybe read-only) source tree; a leaked image handle
# or an exception lost in a callback or destructor is an error.
set +e
run_py -m pytest -q -rs -p no:cacheprovider \
  --rootdir="$top_srcdir/bindings/python" \
  -W error::ResourceWarning \
  -W error::pytest.PytestUnraisableExceptionWarning \
  "$top_srcdir/bindings/python/tests" >"$T/pytest.out" 2>&1
rc=$?
set -e
cat "$T/pytest.out"
case $rc in
  0) ;;
  5) fail "pytest collected no tests" ;;
  *) fail "pytest exited $rc" ;;
esac
# A pass must mean tests ran, and none was skipped where the tools are
# installed (a skipped oracle proves nothing).
grep -Eq '^[0-9]+ passed' "$T/pytest.out" || fail "pytest ran no test"
if [ "${CI:-}" = true ] || [ "${HVX_STRICT:-}" = 1 ]; then
  ! grep -Eq '[0-9]+ skipped' "$T/pytest.out" || fail "pytest skipped tests"
fi
echo "ok"
