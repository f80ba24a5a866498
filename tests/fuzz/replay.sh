#!/bin/sh
# Replay the committed fuzz corpus and every past crash through the
# parsers (built like the rest of the suite, so under ASan+UBSan in the
# sanitizer build).  Each input must be handled without a crash, a
# sanitizer report or a broken promise (fuzz-config.c, fuzz-convert.h).
# The directory name is the target: an image format or "convert"
# (fuzz-image), or a text parser (fuzz-config).
. "${top_srcdir:-.}/tests/lib.sh"

image=${top_builddir:-.}/tests/fuzz/fuzz-image
config=${top_builddir:-.}/tests/fuzz/fuzz-config
n=0
for dir in "$top_srcdir"/tests/fuzz/corpus/* "$top_srcdir"/tests/fuzz/crashes/*; do
  [ -d "$dir" ] || continue
  target=$(basename "$dir")
  set -- "$dir"/*
  [ -e "$1" ] || continue
  if [ -f "$top_srcdir/formats/$target.c" ] || [ "$target" = convert ]; then
    HVX_FUZZ_FORMAT=$target "$image" "$@" > "$T/out" 2> "$T/err"
  else
    HVX_FUZZ_PARSER=$target "$config" "$@" > "$T/out" 2> "$T/err"
  fi || { cat "$T/err" >&2; fail "replaying $dir crashed"; }
  if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$T/err"; then
    cat "$T/err" >&2
    fail "sanitizer report while replaying $dir"
  fi
  n=$((n + $#))
done
[ $n -gt 0 ] || fail "no fuzz inputs found to replay"
echo "ok: $n inputs replayed"
