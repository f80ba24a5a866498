# hvx tests - running Python against the build tree's libhvx (sourced
# after tests/lib.sh).

# find_python MODULE...: set PY to a python3 that can import every
# MODULE.  The first python3 on PATH may be a private one (pyenv, a venv)
# without the Debian packages run.sh installs, so /usr/bin/python3 is
# tried too.
find_python() {
  mods=$(echo "$*" | sed 's/ /, /g')
  for c in "${PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c "import $mods" >/dev/null 2>&1; then
      PY=$c
      return 0
    fi
  done
  if [ "${CI:-}" = true ] || [ "${HVX_STRICT:-}" = 1 ]; then
    fail "no python3 with the modules $mods (run.sh installs them)"
  fi
  echo "SKIP: no python3 with the modules $mods"
  exit 77
}

# python_env: prepare run_py to load HVX_LIBRARY in a Python process.
# An ASan-built libhvx needs the ASan runtime first in the process,
# which python3 is not linked with: run_py preloads the very runtime the
# library was linked against (as ldd resolves it, so it cannot be a
# different version), for the Python process only: other tools (dd,
# qemu-img) must not run under it.  The interpreter keeps memory until
# exit by design, so leak detection is off there; the C tests check
# libhvx for leaks.
python_env() {
  : "${HVX_LIBRARY:=${top_builddir:-.}/.libs/libhvx.so}"
  export HVX_LIBRARY
  [ -f "$HVX_LIBRARY" ] || fail "HVX_LIBRARY=$HVX_LIBRARY does not exist"
  PY_PRELOAD=$(ldd "$HVX_LIBRARY" |
               awk '$1 ~ /^libasan\.so/ { print $3; exit }')
  if [ -n "$PY_PRELOAD" ] && [ ! -f "$PY_PRELOAD" ]; then
    fail "libhvx needs $PY_PRELOAD, which does not exist"
  fi
  # The source tree is read-only under distcheck: no __pycache__.
  PYTHONDONTWRITEBYTECODE=1
  export PYTHONDONTWRITEBYTECODE
}

# run_py ARGS...: $PY ARGS, able to load libhvx (see python_env).
run_py() {
  if [ -n "$PY_PRELOAD" ]; then
    LD_PRELOAD="$PY_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$PY" "$@"
  else
    "$PY" "$@"
  fi
}
