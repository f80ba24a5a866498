# hvx tests - running Python against the build tree's libhvx (sourced
# after tests/lib.sh).

# find_python MODULE: set PY to a python3 that can import MODULE.  The
# first python3 on PATH may be a private one (pyenv, a venv) without the
# Debian packages run.sh installs, so /usr/bin/python3 is tried too.
find_python() {
  for c in "${PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c "import $1" >/dev/null 2>&1; then
      PY=$c
      return 0
    fi
  done
  if [ "${CI:-}" = true ] || [ "${HVX_STRICT:-}" = 1 ]; then
    fail "no python3 with the '$1' module (install python3-$1)"
  fi
  echo "SKIP: no python3 with the '$1' module"
  exit 77
}

# python_env: make the Python process able to load HVX_LIBRARY.
# An ASan-built libhvx needs the ASan runtime first in the process,
# which python3 is not linked with: preload the very runtime the library
# was linked against (as ldd resolves it, so it cannot be a different
# version).  The interpreter keeps memory until exit by design, so leak
# detection is off for it; the C tests check libhvx for leaks.
python_env() {
  : "${HVX_LIBRARY:=${top_builddir:-.}/.libs/libhvx.so}"
  export HVX_LIBRARY
  [ -f "$HVX_LIBRARY" ] || fail "HVX_LIBRARY=$HVX_LIBRARY does not exist"
  rt=$(ldd "$HVX_LIBRARY" | awk '$1 ~ /^libasan\.so/ { print $3; exit }')
  if [ -n "$rt" ]; then
    [ -f "$rt" ] || fail "libhvx needs $rt, which does not exist"
    LD_PRELOAD=$rt${LD_PRELOAD:+:$LD_PRELOAD}
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    export LD_PRELOAD ASAN_OPTIONS
  fi
  # The source tree is read-only under distcheck: no __pycache__.
  PYTHONDONTWRITEBYTECODE=1
  export PYTHONDONTWRITEBYTECODE
}
