#!/bin/bash
# Build the libFuzzer targets with clang and run each for a while.
#
#   run-fuzz.sh SRCDIR BUILDDIR [SECONDS] [TARGET...]
#
# TARGET is an image format (qcow2, vhd, vhdx, raw: fuzz-image.c), the
# conversion and write oracle (convert: fuzz-image.c, fuzz-convert.h) or a
# text parser (xl, hyperv-xml, ovf, trace, cpuid, enl, vbd, xenstore,
# options: fuzz-config.c); default all but raw.  Image targets run SECONDS each,
# the text parsers (cheap, small inputs, saturate quickly) SECONDS/3.
#
# The library is compiled once with ASan + UBSan + fuzzer coverage into
# BUILDDIR/fuzz/obj/ (recompiled when a source or header is newer), then
# each target is linked.  Each run starts from a scratch copy of the
# committed seed corpus, tests/fuzz/corpus/TARGET/ (or, with
# FUZZ_CORPUS=DIR, from DIR/TARGET/, kept and grown across runs: for
# long campaigns), so the repository is not modified; anything found is
# left in BUILDDIR/fuzz/artifacts/ and the script fails.  Put a crash
# found this way into tests/fuzz/crashes/TARGET/ so the normal suite
# replays it forever.
#
# Environment: FUZZ_TEXT_SECONDS (the text parsers' time, default
# SECONDS/3), FUZZ_MALLOC_LIMIT_MB (default 256: a single allocation
# above it is a finding), FUZZ_ARGS (more libFuzzer options).
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
seconds=${3:-20}
shift $(( $# >= 3 ? 3 : $# ))
targets=("$@")
image_targets=" raw qcow2 vhd vhdx convert "
config_targets=" xl hyperv-xml ovf trace cpuid enl vbd xenstore options "
[ ${#targets[@]} -gt 0 ] || targets=(qcow2 vhd vhdx convert xl hyperv-xml ovf trace cpuid enl vbd xenstore options)

command -v clang >/dev/null || { echo "run-fuzz: clang is not installed" >&2; exit 1; }
out=$build/fuzz
mkdir -p "$out/artifacts" "$out/obj"

# The library's dependency flags, as configure found them (passed by
# `make fuzz`).
deps_cflags=${FUZZ_DEPS_CFLAGS:-}
deps_libs=${FUZZ_DEPS_LIBS:-}
cflags=(-g -O1 -std=gnu11 -pthread -fno-sanitize-recover=undefined
        -DHVX_LIBFUZZER -I"$build" -I"$src/include" -I"$src/lib")
# shellcheck disable=SC2206
cflags+=($deps_cflags)

# ---- the library, once ------------------------------------------------
newest_header=$(ls -t "$src"/lib/*.h "$src"/formats/*.h "$src"/include/*.h \
  "$src"/include/hvx/*.h "$build/config.h" | head -n 1)
stale=()
objs=()
for c in "$src"/lib/*.c "$src"/formats/*.c; do
  o=$out/obj/$(basename "$(dirname "$c")")-$(basename "$c" .c).o
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
    stale+=("$c")
  fi
done
# remove objects of sources that are gone
for o in "$out"/obj/*.o; do
  [ -e "$o" ] || continue
  case " ${objs[*]} " in *" $o "*) ;; *) rm -f "$o" ;; esac
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "run-fuzz: compiling ${#stale[@]} library sources"
  export out
  printf '%s\n' "${stale[@]}" | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c '
    c={}; o=$out/obj/$(basename "$(dirname "$c")")-$(basename "$c" .c).o
    exec clang "$@" -fsanitize=fuzzer-no-link,address,undefined -c "$c" -o "$o"
  ' sh "${cflags[@]}"
fi

# ---- each target --------------------------------------------------------
export LSAN_OPTIONS="suppressions=$src/tests/lsan-libxlutil.supp"
rc=0
for t in "${targets[@]}"; do
  if [[ $image_targets == *" $t "* ]]; then
    harness=fuzz-image.c; define=FUZZ_FORMAT; secs=$seconds; extra=()
  elif [[ $config_targets == *" $t "* ]]; then
    harness=fuzz-config.c; define=FUZZ_PARSER
    extra=("$src/cli/parse.c")   # the CLI's argument parsers (options)
    secs=${FUZZ_TEXT_SECONDS:-$(( seconds / 3 > 0 ? seconds / 3 : 1 ))}
  else
    echo "run-fuzz: unknown target '$t'" >&2; rc=1; continue
  fi
  bin=$out/fuzz-$t
  # shellcheck disable=SC2086
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
    -I"$src/cli" -D$define="\"$t\"" "$src/tests/fuzz/$harness" "${extra[@]}" \
    "${objs[@]}" -o "$bin" \
    $deps_libs
  if [ -n "${FUZZ_CORPUS:-}" ]; then
    corpus=$FUZZ_CORPUS/$t
    mkdir -p "$corpus"
  else
    corpus=$(mktemp -d "$out/corpus-$t-XXXXXX")
  fi
  seeds=$src/tests/fuzz/corpus/$t
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
  echo "run-fuzz: $t for ${secs}s"
  # shellcheck disable=SC2086
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
       -malloc_limit_mb="${FUZZ_MALLOC_LIMIT_MB:-256}" "${dict[@]}" \
       -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 \
       ${FUZZ_ARGS:-} "$corpus" > "$out/$t.log" 2>&1; then
    echo "run-fuzz: $t: FAILED, see $out/$t.log and $out/artifacts/" >&2
    tail -n 30 "$out/$t.log" >&2
    rc=1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$t.log" | tail -n 2 || true
  [ -n "${FUZZ_CORPUS:-}" ] || rm -rf "$corpus"
done
exit $rc
