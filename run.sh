#!/bin/bash
# hvx - one-step set-up, build, and run, for a fresh Debian 12 machine.
#
#   bash run.sh demo   install what is missing, build, and convert a
#                      generated sample image qcow2 -> raw -> qcow2
#                      and qcow2 -> vhdx (for Hyper-V),
#                      then compare the result with the original
#   bash run.sh test   install what is missing, build, and run the whole
#                      test suite (normal build and a short fuzzing run,
#                      then ASan+UBSan build, then the threaded tests
#                      under TSan)
#
# Packages are installed with apt-get when running as root; otherwise the
# missing ones are listed.  Builds go to build/ (the source tree stays
# clean).
set -euo pipefail

cd "$(dirname "$0")"
SRC=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

PACKAGES=(
  build-essential autoconf automake libtool pkg-config
  libxen-dev libssl-dev zlib1g-dev libcmocka-dev
  qemu-utils libvhdi-utils libqcow-utils
  python3 python3-pytest python3-pip python3-mypy groff-base
  clang libclang-rt-14-dev valgrind
  cpuid systemd
  libxml2-dev libxml2-utils libvirt-clients
)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: missing packages: ${missing[*]}" >&2
    echo "run.sh: install them (as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "run.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# build DIR [CONFIGURE-ARGS...]: configure and build out of tree in DIR.
# (MAKE_TARGET: what to make, default everything)
build() {
  local dir=$1
  shift
  [ -x "$SRC/configure" ] || (cd "$SRC" && autoreconf -fi)
  mkdir -p "$dir"
  (cd "$dir" && { [ -f Makefile ] || "$SRC/configure" -q "$@"; } &&
     make -s -j"$JOBS" ${MAKE_TARGET:+"$MAKE_TARGET"})
}

TSAN_TESTS="tests/test-convert-engine tests/test-parallel-read tests/test-convert"

demo() {
  build "$SRC/build/normal"
  local hvx="$SRC/build/normal/hvx" d
  d=$(mktemp -d /tmp/hvx-demo-XXXXXX)
  echo "== making a 64 MiB sample disk in $d"
  truncate -s 64M "$d/sample.raw"
  head -c 4M /dev/urandom | dd of="$d/sample.raw" bs=1M seek=1 conv=notrunc status=none
  # (yes dies of SIGPIPE when head has enough; pipefail must not care)
  { yes "hvx sample text" || true; } | head -c 8M |
    dd of="$d/sample.raw" bs=1M seek=20 conv=notrunc status=none
  qemu-img convert -f raw -O qcow2 "$d/sample.raw" "$d/sample.qcow2"
  echo "== hvx info sample.qcow2"
  "$hvx" info "$d/sample.qcow2"
  echo "== hvx convert qcow2 -> raw -> qcow2"
  "$hvx" convert -p -O raw "$d/sample.qcow2" "$d/out.raw"
  "$hvx" convert -p --digest sha256 -O qcow2 "$d/out.raw" "$d/out.qcow2"
  echo "== hvx compare / qemu-img compare / qemu-img check"
  "$hvx" compare "$d/sample.qcow2" "$d/out.qcow2"
  qemu-img compare "$d/sample.qcow2" "$d/out.qcow2"
  qemu-img check "$d/out.qcow2"
  echo "== for Hyper-V: hvx convert qcow2 -> vhdx, read back by qemu-img and libvhdi"
  "$hvx" convert -p -O vhdx "$d/sample.qcow2" "$d/out.vhdx"
  qemu-img compare "$d/sample.qcow2" "$d/out.vhdx"
  vhdiinfo "$d/out.vhdx" | grep -iE "format|media size|disk type" || true
  echo "== done: results in $d"
}

# summarize LOG...: the automake test-suite logs' counts as one line.
summarize() {
  local pass=0 fail=0 skip=0 n
  for log in "$@"; do
    n=$(sed -n 's/^# PASS: *//p' "$log"); pass=$((pass + ${n:-0}))
    n=$(sed -n 's/^# FAIL: *//p' "$log"); fail=$((fail + ${n:-0}))
    n=$(sed -n 's/^# ERROR: *//p' "$log"); fail=$((fail + ${n:-0}))
    n=$(sed -n 's/^# XPASS: *//p' "$log"); fail=$((fail + ${n:-0}))
    n=$(sed -n 's/^# SKIP: *//p' "$log"); skip=$((skip + ${n:-0}))
  done
  echo "tests: $pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
}

# run_suite DIR [MAKE-ARGS...]: make check in DIR.
run_suite() {
  local dir=$1 rc=0
  shift
  (cd "$dir" && make -s -j"$JOBS" check "$@") || rc=1
  if [ $rc -ne 0 ]; then
    # show what failed, with its log, so CI output says why
    grep -l -E '^(FAIL|ERROR)' "$dir"/tests/*.log 2>/dev/null | while read -r l; do
      echo "---- $l"; tail -n 40 "$l"
    done
  fi
  return $rc
}

test_all() {
  local rc=0
  # Interop tools are installed above, so a test that would skip for a
  # missing tool fails instead.
  export HVX_STRICT=1
  build "$SRC/build/normal" --enable-werror
  run_suite "$SRC/build/normal" || rc=1
  # A short fuzzing run of every parser (tests/fuzz/README.md): 4 image
  # targets x 12 s + 9 text targets x 4 s.
  make -s -C "$SRC/build/normal" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-12}" || rc=1
  build "$SRC/build/asan" --enable-sanitizers
  ASAN_OPTIONS=detect_leaks=1 run_suite "$SRC/build/asan" || rc=1
  # ThreadSanitizer over the tests that run threads: the conversion
  # engine (workers, writer, digest, cancellation) and several threads
  # reading one image of each format.  Only those are built.
  # Only the library is built this way (no CLI, examples or other tests).
  MAKE_TARGET=libhvxcore.la build "$SRC/build/tsan" --enable-sanitizers=thread
  run_suite "$SRC/build/tsan" TESTS="$TSAN_TESTS" \
    check_PROGRAMS="$TSAN_TESTS" || rc=1
  summarize "$SRC/build/normal/test-suite.log" "$SRC/build/asan/test-suite.log" \
    "$SRC/build/tsan/test-suite.log" || rc=1
  return $rc
}

case "${1:-}" in
  demo) install_deps; demo ;;
  test) install_deps; test_all ;;
  *) echo "usage: bash run.sh demo|test" >&2; exit 2 ;;
esac
