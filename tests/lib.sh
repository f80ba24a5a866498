# hvx tests - helpers for the shell tests (sourced).
set -eu

: "${HVX:=${top_builddir:-.}/hvx}"
# A sanitizer report must not look like an ordinary error exit (1).
ASAN_OPTIONS="exitcode=99:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS

T=$(mktemp -d /tmp/hvx-sh-XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# require TOOL: the test needs a tool we did not write.  Under CI the
# tools are installed by the test command, so a missing one is a failure
# there (a skip would prove nothing); elsewhere the test is skipped.
require() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "${CI:-}" = true ] || [ "${HVX_STRICT:-}" = 1 ]; then
    fail "required tool '$1' is missing"
  fi
  echo "SKIP: '$1' not installed"
  exit 77
}

# expect_fail CODE REGEX CMD...: CMD must exit with CODE and print a
# message matching REGEX on stderr.
expect_fail() {
  code=$1 re=$2
  shift 2
  set +e
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  [ "$rc" -eq "$code" ] || { cat "$T/err" >&2; fail "'$*' exited $rc, expected $code"; }
  grep -Eq "$re" "$T/err" || { cat "$T/err" >&2; fail "'$*': stderr lacks /$re/"; }
}

# mkpattern FILE SIZE_MIB: a raw file with data, zeros and holes mixed.
mkpattern() {
  f=$1 mib=$2
  truncate -s "${mib}M" "$f"
  i=0
  while [ $i -lt "$mib" ]; do
    case $((i % 4)) in
      0) head -c 1M /dev/urandom | dd of="$f" bs=1M seek=$i conv=notrunc status=none ;;
      1) yes hvx-compressible | head -c 1M | dd of="$f" bs=1M seek=$i conv=notrunc status=none ;;
      2) dd if=/dev/zero of="$f" bs=1M seek=$i count=1 conv=notrunc status=none ;;
      3) ;; # hole
    esac
    i=$((i + 1))
  done
  # an odd-sized tail write to catch off-by-one handling
  printf 'tail-bytes' | dd of="$f" bs=1 seek=$((mib * 1048576 - 10)) conv=notrunc status=none
}
