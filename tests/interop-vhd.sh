#!/bin/sh
# VHD interoperability: images qemu-img makes, read by hvx; images hvx
# makes, read by qemu-img and libvhdi (vhdiinfo, and vhdimount when FUSE
# works here); differencing images hvx writes, checked against a raw
# image patched with dd and against libvhdi following the parent.
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img
require vhdiinfo

PWRITE=${top_builddir:-.}/tests/hvx-pwrite
MNT=$T/mnt
mkdir "$MNT"
trap 'umount "$MNT" 2>/dev/null || true; rm -rf "$T"' EXIT

info() { "$HVX" info "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
qsize() {
  qemu-img info -f vpc --output=json "$1" |
    sed -n 's/^ *"virtual-size": \([0-9]*\).*/\1/p'
}
# vhdiinfo must accept the image; its "Media size ... (N bytes)".
vsize() {
  vhdiinfo "$1" >"$T/vi" 2>&1 || { cat "$T/vi" >&2; fail "vhdiinfo $1 exited non-zero"; }
  sed -n 's/^[[:space:]]*Media size.*(\([0-9]*\) bytes).*/\1/p' "$T/vi"
}

# vhdimount gives libvhdi's view of the content (FUSE).  Mounting needs
# /dev/fuse and the right to mount; without them that oracle is skipped
# and the reason said.
FUSE=no
if [ -e /dev/fuse ] && command -v vhdimount >/dev/null; then
  "$HVX" create -f vhd "$T/probe.vhd" 1M
  if vhdimount "$T/probe.vhd" "$MNT" >/dev/null 2>&1 && [ -e "$MNT/vhdi1" ]; then
    FUSE=yes
    umount "$MNT"
  else
    echo "NOTE: vhdimount cannot mount here; libvhdi content checks skipped"
  fi
else
  echo "NOTE: no /dev/fuse or vhdimount; libvhdi content checks skipped"
fi
# libvhdi_cmp IMAGE RAW [N]: libvhdi's content of image N of the chain
# (1 = the base) must equal RAW.
libvhdi_cmp() {
  [ $FUSE = yes ] || return 0
  vhdimount "$1" "$MNT" >/dev/null
  cmp "$MNT/vhdi${3:-1}" "$2" || { umount "$MNT"; fail "libvhdi reads $1 differently from $2"; }
  umount "$MNT"
}

mkpattern "$T/src.raw" 12

# ---- images qemu-img writes, read by hvx ----------------------------------
for sub in dynamic fixed; do
  for fs in off on; do
    v=$T/q-$sub-$fs.vhd
    qemu-img convert -f raw -O vpc -o subformat=$sub,force_size=$fs "$T/src.raw" "$v"
    qemu-img convert -f vpc -O raw "$v" "$T/q.raw"
    "$HVX" convert -O raw "$v" "$T/h.raw"
    cmp "$T/q.raw" "$T/h.raw" || fail "hvx reads qemu's $sub force_size=$fs image differently"
    [ "$(info "$v" virtual_size)" = "$(qsize "$v")" ] ||
      fail "$sub force_size=$fs: hvx size $(info "$v" virtual_size) != qemu $(qsize "$v")"
    "$HVX" check "$v" >/dev/null || fail "hvx check of qemu's $sub image"
    rm -f "$T/q.raw" "$T/h.raw"
  done
done

# qemu's geometry for its sizes (it rounds up to a cylinder) is what the
# specification's algorithm gives for them.
for s in 10M 1G 100G 127G; do
  qemu-img create -q -f vpc "$T/g.vhd" $s
  qs=$(qsize "$T/g.vhd")
  "$HVX" create -f vhd "$T/h.vhd" "$qs"
  [ "$(info "$T/h.vhd" disk_geometry)" = "$(info "$T/g.vhd" disk_geometry)" ] ||
    fail "$s: geometry $(info "$T/h.vhd" disk_geometry) != qemu's $(info "$T/g.vhd" disk_geometry)"
  [ "$(info "$T/g.vhd" virtual_size)" = "$qs" ] || fail "$s: size differs from qemu's"
  rm -f "$T/g.vhd" "$T/h.vhd"
done

# The size rule per creator application (README.md, "VHD sizes"): a fixed
# image whose geometry (18/16/63, 9289728 bytes) is smaller than its
# current size (10000384).  hvx and qemu-img must agree for the creators
# where qemu 7.2 follows the same rule; for the others hvx uses the
# current size (qemu 7.2 the geometry).
if command -v python3 >/dev/null; then
  qemu-img create -q -f vpc -o subformat=fixed,force_size=on "$T/c.vhd" 10000384
  for c in 'vpc ' 'qemu' 'win ' 'qem2' 'tap\0' 'CTXS' 'd2v ' 'xen ' 'd2v\0' 'azur'; do
    cp "$T/c.vhd" "$T/c2.vhd"
    python3 - "$T/c2.vhd" "$c" <<'PY'
import struct, sys
path, creator = sys.argv[1], sys.argv[2].replace('\\0', '\0').encode('latin-1')
with open(path, 'r+b') as f:
    f.seek(-512, 2)
    ft = bytearray(f.read(512))
    ft[28:32] = creator
    ft[56:60] = struct.pack('>HBB', 18, 16, 63)
    ft[64:68] = bytes(4)
    ft[64:68] = struct.pack('>I', ~sum(ft) & 0xffffffff)
    f.seek(-512, 2)
    f.write(ft)
PY
    h=$(info "$T/c2.vhd" virtual_size) q=$(qsize "$T/c2.vhd")
    case $c in
      'vpc '|qemu) want=9289728 ;;
      *) want=10000384 ;;
    esac
    [ "$h" = "$want" ] || fail "creator '$c': hvx size $h, expected $want"
    case $c in
      'xen '|'d2v\0'|azur) ;;
      *) [ "$h" = "$q" ] || fail "creator '$c': hvx size $h, qemu-img $q" ;;
    esac
  done
fi

# ---- images hvx writes, read by qemu-img and libvhdi ------------------------
# Sizes that are not CHS products (and 4 GiB, and 127 GiB beyond the
# 65535/16/255 ceiling), kept sparse: a little data at the start, in the
# middle and in the last sector.
for size in 10000384 4294967296 4294967808 136365212160 3146240; do
  raw=$T/s.raw
  rm -f "$raw"
  truncate -s "$size" "$raw"
  head -c 70000 "$T/src.raw" | dd of="$raw" bs=1 seek=1000 conv=notrunc status=none
  head -c 5000 /dev/urandom | dd of="$raw" bs=512 seek=$((size / 1024)) conv=notrunc status=none
  printf 'last sector' | dd of="$raw" bs=1 seek=$((size - 11)) conv=notrunc status=none
  for sub in fixed dynamic; do
    v=$T/h-$sub.vhd
    rm -f "$v"
    "$HVX" convert -O vhd -o subformat=$sub "$raw" "$v"
    [ "$(qsize "$v")" = "$size" ] || fail "$sub $size: qemu-img sees $(qsize "$v")"
    [ "$(vsize "$v")" = "$size" ] || fail "$sub $size: vhdiinfo sees $(vsize "$v")"
    [ "$(info "$v" virtual_size)" = "$size" ] || fail "$sub $size: hvx sees another size"
    qemu-img compare -q -f raw -F vpc "$raw" "$v" || fail "$sub $size: qemu-img compare"
    "$HVX" check "$v" >/dev/null || fail "$sub $size: hvx check"
    if [ "$size" -le 16777216 ]; then libvhdi_cmp "$v" "$raw"; fi
  done
done

# The pattern image, dynamic with small blocks, through all three readers.
"$HVX" convert -O vhd -o block_size=512K "$T/src.raw" "$T/p.vhd"
qemu-img compare -q -f raw -F vpc "$T/src.raw" "$T/p.vhd" || fail "512K blocks: qemu-img compare"
libvhdi_cmp "$T/p.vhd" "$T/src.raw"

# A fixed disk is read and written from all the engine's workers at once
# (like raw): 8 threads, both ways, checked by qemu-img.
"$HVX" convert -m 8 -O vhd -o subformat=fixed "$T/src.raw" "$T/f8.vhd"
qemu-img compare -q -f raw -F vpc "$T/src.raw" "$T/f8.vhd" || fail "fixed, 8 threads: qemu-img compare"
"$HVX" convert -m 8 -O raw "$T/f8.vhd" "$T/f8.raw"
qemu-img compare -q -f vpc -F raw "$T/f8.vhd" "$T/f8.raw" || fail "fixed to raw, 8 threads: qemu-img compare"
rm -f "$T/f8.vhd" "$T/f8.raw"

# hvx writing into qemu's image and qemu into hvx's.
qemu-img create -q -f vpc "$T/qw.vhd" 8M
qs=$(qsize "$T/qw.vhd")
truncate -s "$qs" "$T/qw.raw"
head -c 3000 /dev/urandom >"$T/d1"
"$PWRITE" "$T/qw.vhd" 2097000 <"$T/d1"
dd if="$T/d1" of="$T/qw.raw" bs=1 seek=2097000 conv=notrunc status=none
qemu-img compare -q -f raw -F vpc "$T/qw.raw" "$T/qw.vhd" || fail "qemu reads hvx's write into its image differently"
qemu-io -f vpc -c 'write -P 0xab 4608 1024' "$T/p.vhd" >/dev/null
cp "$T/src.raw" "$T/p.raw"
head -c 1024 /dev/zero | tr '\0' '\253' | dd of="$T/p.raw" bs=512 seek=9 conv=notrunc status=none
"$HVX" compare "$T/p.raw" "$T/p.vhd" >/dev/null || fail "hvx reads qemu's write into its image differently"

# A damaged end footer: hvx check names it (exit 2), a write through hvx
# repairs it, and the other readers accept the result.
"$HVX" convert -O vhd "$T/src.raw" "$T/r.vhd"
end=$(( $(stat -c %s "$T/r.vhd") - 512 ))
printf 'X' | dd of="$T/r.vhd" bs=1 seek=$((end + 100)) conv=notrunc status=none
set +e; "$HVX" check "$T/r.vhd" >"$T/chk"; rc=$?; set -e
[ $rc -eq 2 ] || fail "check of a damaged footer exited $rc"
grep -q "corruption at 0x$(printf %x $end): vhd: footer at the end of the file: checksum mismatch" "$T/chk" ||
  { cat "$T/chk"; fail "check does not name the damaged footer"; }
head -c 512 "$T/src.raw" | "$PWRITE" "$T/r.vhd" 0
"$HVX" check "$T/r.vhd" >/dev/null || fail "footer not repaired"
qemu-img compare -q -f raw -F vpc "$T/src.raw" "$T/r.vhd" || fail "repaired image: qemu-img compare"
[ "$(vsize "$T/r.vhd")" = 12582912 ] || fail "repaired image: vhdiinfo"

# ---- differencing disks hvx writes -----------------------------------------
mkdir "$T/d"
"$HVX" convert -O vhd "$T/src.raw" "$T/d/base.vhd"
"$HVX" create -f vhd -o parent=base.vhd "$T/d/child.vhd" 0
cp "$T/src.raw" "$T/d/expect.raw"
# partial sectors, sectors inside a 4 KiB page, a block boundary, the end
for w in 5:100 511:1 1000:3000 9216:512 13000:700 2097000:5000 6291456:512 \
         8389120:1024 12582900:12; do
  off=${w%%:*} len=${w##*:}
  head -c "$len" /dev/urandom >"$T/d/w"
  "$PWRITE" "$T/d/child.vhd" "$off" <"$T/d/w"
  dd if="$T/d/w" of="$T/d/expect.raw" bs=1 seek="$off" conv=notrunc status=none
done
"$HVX" compare "$T/d/expect.raw" "$T/d/child.vhd" >/dev/null || fail "differencing content"
"$HVX" check "$T/d/child.vhd" >/dev/null || fail "hvx check of the differencing disk"
vhdiinfo "$T/d/child.vhd" >"$T/vi" || fail "vhdiinfo on the differencing disk"
grep -q "Parent identifier.*: $(info "$T/d/base.vhd" unique_id)" "$T/vi" ||
  { cat "$T/vi"; fail "vhdiinfo: parent identifier"; }
grep -q "Parent filename.*: base.vhd" "$T/vi" || { cat "$T/vi"; fail "vhdiinfo: parent filename"; }
grep -q "Disk type.*: Differential" "$T/vi" || fail "vhdiinfo: disk type"
[ "$(vsize "$T/d/child.vhd")" = 12582912 ] || fail "vhdiinfo: differencing size"
libvhdi_cmp "$T/d/child.vhd" "$T/d/expect.raw" 2
# qemu ignores the parent but must accept the file.
qemu-img info -f vpc "$T/d/child.vhd" >/dev/null || fail "qemu-img info on the differencing disk"

# convert onto a parent: zeros over the parent's data must stay zeros.
cp "$T/src.raw" "$T/d/mod.raw"
dd if=/dev/zero of="$T/d/mod.raw" bs=1k seek=100 count=300 conv=notrunc status=none
head -c 3M /dev/urandom | dd of="$T/d/mod.raw" bs=1k seek=7000 conv=notrunc status=none
"$HVX" convert -O vhd -o parent=base.vhd "$T/d/mod.raw" "$T/d/c2.vhd"
"$HVX" compare "$T/d/mod.raw" "$T/d/c2.vhd" >/dev/null || fail "convert onto a parent"
libvhdi_cmp "$T/d/c2.vhd" "$T/d/mod.raw" 2
# unchanged blocks are not stored again
used=$(( $(stat -c %b "$T/d/c2.vhd") * 512 ))
[ "$used" -le $((7 * 1048576)) ] || fail "convert onto a parent stored $used bytes"

# a parent moved away, a wrong parent
mv "$T/d/base.vhd" "$T/d/gone.vhd"
expect_fail 1 "parent image not found" "$HVX" info "$T/d/child.vhd"
"$HVX" create -f vhd "$T/d/base.vhd" 12M
expect_fail 1 "has unique ID .* but the differencing disk was made from" \
  "$HVX" info "$T/d/child.vhd"

# ---- Azure -------------------------------------------------------------------
truncate -s 10000384 "$T/odd.raw"
expect_fail 1 "size 10000384 is not a whole number of MiB.*9437184 or 10485760" \
  "$HVX" convert -O vhd -o azure=on "$T/odd.raw" "$T/az.vhd"
"$HVX" convert -O vhd -o azure=on "$T/src.raw" "$T/az.vhd"
[ "$(info "$T/az.vhd" subformat)" = fixed ] || fail "azure=on is not fixed"
[ "$(qsize "$T/az.vhd")" = 12582912 ] || fail "azure: qemu size"
[ $(( $(stat -c %s "$T/az.vhd") - 512 )) -eq 12582912 ] || fail "azure: file size"

echo "ok (libvhdi content checks: $FUSE)"
