#!/bin/sh
# raw -> raw conversions, checked with qemu-img compare.
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img

mkpattern "$T/src.raw" 16
"$HVX" convert -O raw "$T/src.raw" "$T/dst.raw"
qemu-img compare -f raw -F raw "$T/src.raw" "$T/dst.raw" >/dev/null ||
  fail "qemu-img compare: raw copy differs"
[ "$(stat -c %s "$T/dst.raw")" = "$(stat -c %s "$T/src.raw")" ] ||
  fail "size changed"
# holes and zero runs stay holes: 16 MiB with a quarter random and a
# quarter text holds about 8 MiB of data.
used=$(( $(stat -c %b "$T/dst.raw") * 512 ))
[ "$used" -le $((9 * 1048576)) ] || fail "output not sparse ($used bytes)"

# digests agree with sha256sum of the flat file and with hvx digest
d1=$("$HVX" convert --digest sha256 -O raw "$T/src.raw" "$T/dst2.raw" | cut -d' ' -f1)
d2=$(sha256sum "$T/src.raw" | cut -d' ' -f1)
d3=$("$HVX" digest "$T/dst2.raw" | cut -d' ' -f1)
[ "$d1" = "$d2" ] || fail "convert digest $d1 != sha256sum $d2"
[ "$d3" = "$d2" ] || fail "hvx digest $d3 != sha256sum $d2"

"$HVX" compare "$T/src.raw" "$T/dst.raw" >/dev/null || fail "hvx compare"
printf 'x' | dd of="$T/dst.raw" bs=1 seek=5000000 conv=notrunc status=none
set +e
"$HVX" compare "$T/src.raw" "$T/dst.raw" >"$T/cmp"
rc=$?
set -e
[ $rc -eq 1 ] || fail "hvx compare of different images exited $rc"
grep -q 'offset 5000000' "$T/cmp" || fail "compare names the wrong offset"
echo "ok"
