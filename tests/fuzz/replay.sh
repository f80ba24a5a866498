#!/bin/sh
# Replay the committed fuzz corpus and every past crash through the
# parsers (built like the rest of the suite, so under ASan+UBSan in the
# sanitizer build).  Each input must be handled without a crash.
. "${top_srcdir:-.}/tests/lib.sh"

replay=${top_builddir:-.}/tests/fuzz/fuzz-image
n=0
for dir in "$top_srcdir"/tests/fuzz/corpus/* "$top_srcdir"/tests/fuzz/crashes/*; do
  [ -d "$dir" ] || continue
  fmt=$(basename "$dir")
  set -- "$dir"/*
  [ -e "$1" ] || continue
  HVX_FUZZ_FORMAT=$fmt "$replay" "$@" > "$T/out" 2> "$T/err" ||
    { cat "$T/err" >&2; fail "replaying $dir crashed"; }
  if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$T/err"; then
    cat "$T/err" >&2
    fail "sanitizer report while replaying $dir"
  fi
  n=$((n + $#))
done
[ $n -gt 0 ] || fail "no fuzz inputs found to replay"
echo "ok: $n inputs replayed"
