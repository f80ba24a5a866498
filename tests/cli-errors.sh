#!/bin/sh
# The CLI's error paths: clear messages and the documented exit codes.
. "${top_srcdir:-.}/tests/lib.sh"

expect_fail 1 "unknown command 'frobnicate'" "$HVX" frobnicate
expect_fail 1 "No such file" "$HVX" info "$T/missing.img"
expect_fail 1 "invalid size" "$HVX" create -f raw "$T/a.raw" 12X
expect_fail 1 "unknown format 'floppy'" "$HVX" create -f floppy "$T/a.raw" 1M
expect_fail 1 "unknown option 'bogus'" "$HVX" create -f raw -o bogus=1 "$T/b.raw" 1M
[ ! -e "$T/b.raw" ] || fail "failed create left a file behind"
"$HVX" create -f raw "$T/c.raw" 1M
echo precious > "$T/keep.raw"
expect_fail 1 "destination exists" "$HVX" convert -O raw "$T/c.raw" "$T/keep.raw"
grep -q precious "$T/keep.raw" || fail "existing destination was touched"
"$HVX" convert --force -O raw "$T/c.raw" "$T/keep.raw"
[ "$(stat -c %s "$T/keep.raw")" = 1048576 ] || fail "--force did not replace"
expect_fail 2 "No such file" "$HVX" compare "$T/c.raw" "$T/missing.raw"
expect_fail 1 "unknown output format" "$HVX" info --output=xml "$T/c.raw"
"$HVX" info --output=json "$T/c.raw" | grep -q '"virtual_size": 1048576' ||
  fail "info json lacks virtual_size"
"$HVX" check "$T/c.raw" | grep -q "No errors" || fail "check of raw"
# Numbers are digits only (strtoul alone took blanks and signs).
expect_fail 1 "' 5' is not a domain id" "$HVX" vm xenstore " 5"
expect_fail 1 "'.5' is not a domain id" "$HVX" vm xenstore "+5"
expect_fail 1 "thread count 0..64, not ' 2'" "$HVX" convert -m " 2" -O raw \
  "$T/c.raw" "$T/m.raw"
echo "ok"
