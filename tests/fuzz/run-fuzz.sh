#!/bin/bash
# Build the libFuzzer targets with clang and run each for a while.
#
#   run-fuzz.sh SRCDIR BUILDDIR [SECONDS] [FORMAT...]
#
# Targets are built from the library sources directly (with ASan and
# UBSan) into BUILDDIR/fuzz/.  Each run starts from a scratch copy of the
# committed seed corpus, tests/fuzz/corpus/FORMAT/, so the repository is
# not modified; anything found is left in BUILDDIR/fuzz/artifacts/ and
# the script fails.  Put a crash found this way into
# tests/fuzz/crashes/FORMAT/ so the normal suite replays it forever.
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
seconds=${3:-20}
shift $(( $# >= 3 ? 3 : $# ))
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(qcow2 vhd vhdx)

command -v clang >/dev/null || { echo "run-fuzz: clang is not installed" >&2; exit 1; }
out=$build/fuzz
mkdir -p "$out/artifacts"

# The library's dependency flags, as configure found them (passed by
# `make fuzz`).
deps_cflags=${FUZZ_DEPS_CFLAGS:-}
deps_libs=${FUZZ_DEPS_LIBS:-}
sources=("$src"/lib/*.c "$src"/formats/*.c)

rc=0
for fmt in "${formats[@]}"; do
  [ -f "$src/formats/$fmt.c" ] || { echo "run-fuzz: no $fmt driver, skipped"; continue; }
  bin=$out/fuzz-$fmt
  echo "run-fuzz: building $bin"
  # shellcheck disable=SC2086
  clang -g -O1 -std=gnu11 -pthread -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -DHVX_LIBFUZZER -DFUZZ_FORMAT="\"$fmt\"" \
    -I"$build" -I"$src/include" -I"$src/lib" $deps_cflags \
    "${sources[@]}" "$src/tests/fuzz/fuzz-image.c" -o "$bin" $deps_libs
  corpus=$(mktemp -d "$out/corpus-$fmt-XXXXXX")
  [ -d "$src/tests/fuzz/corpus/$fmt" ] && cp "$src/tests/fuzz/corpus/$fmt"/* "$corpus"/ 2>/dev/null || true
  echo "run-fuzz: $fmt for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
       -artifact_prefix="$out/artifacts/$fmt-" -print_final_stats=1 \
       "$corpus" > "$out/$fmt.log" 2>&1; then
    echo "run-fuzz: $fmt: FAILED, see $out/$fmt.log and $out/artifacts/" >&2
    tail -n 30 "$out/$fmt.log" >&2
    rc=1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$fmt.log" | tail -n 2 || true
  rm -rf "$corpus"
done
exit $rc
