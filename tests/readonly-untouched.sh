#!/bin/sh
# Read-only use never modifies an image: bytes and mtime are the same
# after info, check, compare, digest and convert (from it), for every
# format qemu-img can make and hvx can read.
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img

mkpattern "$T/src.raw" 4
for spec in raw:raw qcow2:qcow2 vpc:vhd vhdx:vhdx; do
  qfmt=${spec%%:*} fmt=${spec#*:}
  "$HVX" formats | grep -qx "$fmt" || continue
  img=$T/img.$fmt
  qemu-img convert -q -f raw -O "$qfmt" "$T/src.raw" "$img"
  touch -d '2001-02-03 04:05:06' "$img"
  before=$(sha256sum < "$img")
  mtime=$(stat -c %Y "$img")
  "$HVX" info "$img" >/dev/null
  "$HVX" info --output=json "$img" >/dev/null
  "$HVX" check "$img" >/dev/null
  "$HVX" compare "$img" "$T/src.raw" >/dev/null
  "$HVX" digest "$img" >/dev/null
  "$HVX" convert -O raw "$img" "$T/out-$fmt.raw"
  [ "$(sha256sum < "$img")" = "$before" ] || fail "$fmt: image bytes changed"
  [ "$(stat -c %Y "$img")" = "$mtime" ] || fail "$fmt: image mtime changed"
  n=$((${n:-0} + 1))
done
[ "${n:-0}" -ge 2 ] || fail "fewer than two formats checked"
echo "ok: $n formats"
