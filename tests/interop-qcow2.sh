#!/bin/sh
# qcow2 against tools hvx did not write: images made by qemu-img/qemu-io
# must read as qemu-img reads them (byte for byte), and images hvx makes
# must pass qemu-img check (no errors, no leaks), compare equal under
# qemu-img compare, and open in qcowinfo (libqcow).
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img
require qemu-io
require qcowinfo
require python3

mkpattern "$T/src.raw" 8

# read_ok IMG: hvx and qemu-img agree on every byte; hvx check is clean.
read_ok() {
  qemu-img convert -O raw "$1" "$T/ref.raw"
  "$HVX" convert -O raw "$1" "$T/hvx.raw" || fail "hvx cannot read $1"
  cmp "$T/ref.raw" "$T/hvx.raw" >/dev/null ||
    fail "hvx reads $1 differently from qemu-img"
  "$HVX" check "$1" >/dev/null || fail "hvx check $1 found problems"
  rm -f "$T/ref.raw" "$T/hvx.raw"
}

# write_ok IMG SRC: qemu-img check clean, same content, qcowinfo reads it.
write_ok() {
  qemu-img check -q "$1" || fail "qemu-img check $1 exited $?"
  qemu-img compare -q "$2" "$1" || fail "qemu-img compare: $1 != $2"
  qcowinfo "$1" >/dev/null 2>&1 || fail "qcowinfo cannot read $1"
}

# ---- qemu-img writes, hvx reads: v2/v3, cluster sizes, compressed
for o in compat=0.10 compat=1.1 compat=1.1,cluster_size=512 \
         compat=0.10,cluster_size=512 compat=1.1,cluster_size=2M; do
  qemu-img convert -f raw -O qcow2 -o "$o" "$T/src.raw" "$T/q.qcow2"
  read_ok "$T/q.qcow2"
  qemu-img convert -c -f raw -O qcow2 -o "$o" "$T/src.raw" "$T/q.qcow2"
  read_ok "$T/q.qcow2"
  rm -f "$T/q.qcow2"
done

# ---- a backing chain of three, with zero clusters and a discard
qemu-img convert -f raw -O qcow2 "$T/src.raw" "$T/base.qcow2"
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$T/mid.qcow2"
qemu-io -c "write -P 0xaa 1M 300k" -c "write -z 2560k 1M" \
  -c "discard 6M 64k" -c "write -z -u 7M 128k" "$T/mid.qcow2" >/dev/null
qemu-img create -q -f qcow2 -o compat=0.10 -b mid.qcow2 -F qcow2 \
  "$T/top.qcow2"
qemu-io -c "write -P 0xbb 1100k 5k" -c "write -z 3M 128k" \
  -c "write -P 0x11 7M 1k" "$T/top.qcow2" >/dev/null
read_ok "$T/mid.qcow2"
read_ok "$T/top.qcow2"
# zero clusters (with and without their space) in an image without backing
qemu-img convert -f raw -O qcow2 "$T/src.raw" "$T/z.qcow2"
qemu-io -c "write -z 0 1M" -c "write -z -u 2M 1M" -c "discard 4M 1M" \
  "$T/z.qcow2" >/dev/null
read_ok "$T/z.qcow2"
# persistent bitmaps and an internal snapshot: their clusters are counted
# by hvx check (clean), and the active state reads as qemu reads it
qemu-img create -q -f qcow2 "$T/bm.qcow2" 8M
qemu-io -c "write -P 1 0 2M" "$T/bm.qcow2" >/dev/null
qemu-img bitmap --add "$T/bm.qcow2" b0
qemu-img bitmap --add --granularity 512 "$T/bm.qcow2" b1
qemu-io -c "write -P 2 4M 1M" "$T/bm.qcow2" >/dev/null
qemu-img snapshot -c s1 "$T/bm.qcow2"
qemu-io -c "write -P 3 1M 1M" "$T/bm.qcow2" >/dev/null
read_ok "$T/bm.qcow2"
# hvx flattens the chain into one image qemu agrees with
"$HVX" convert -O qcow2 "$T/top.qcow2" "$T/flat.qcow2"
write_ok "$T/flat.qcow2" "$T/top.qcow2"

# ---- hvx writes, qemu-img checks; hvx is no larger than qemu-img
for o in cluster_size=65536 cluster_size=512 cluster_size=2M compat=0.10; do
  for c in "" -c; do
    "$HVX" convert $c -O qcow2 -o "$o" "$T/src.raw" "$T/h.qcow2"
    write_ok "$T/h.qcow2" "$T/src.raw"
    qemu-img convert $c -f raw -O qcow2 -o "$o" "$T/src.raw" "$T/q.qcow2"
    hs=$(stat -c %s "$T/h.qcow2") qs=$(stat -c %s "$T/q.qcow2")
    echo "size $o ${c:-plain}: hvx $hs qemu-img $qs"
    [ "$hs" -le "$qs" ] || fail "hvx output ($hs) larger than qemu-img's ($qs)"
    rm -f "$T/h.qcow2" "$T/q.qcow2"
  done
done

# ---- hvx create with a backing file; qemu writes into it, hvx reads
"$HVX" create -f qcow2 -o backing_file=base.qcow2,backing_fmt=qcow2 \
  "$T/ov.qcow2" 8M
write_ok "$T/ov.qcow2" "$T/base.qcow2"
qemu-io -c "write -P 0x5a 100k 200k" -c "write -z 5M 64k" "$T/ov.qcow2" \
  >/dev/null
read_ok "$T/ov.qcow2"
"$HVX" create -f qcow2 -o compat=0.10,cluster_size=4K,backing_file=src.raw \
  "$T/ov2.qcow2" 8M
write_ok "$T/ov2.qcow2" "$T/src.raw"

# check_rc CODE IMG: qemu-img check and hvx check both exit with CODE
# (hvx's report left in $T/out).
check_rc() {
  set +e
  qemu-img check "$2" >/dev/null 2>&1; q=$?
  "$HVX" check "$2" >"$T/out" 2>&1; h=$?
  set -e
  [ "$q" -eq "$1" ] || fail "qemu-img check $2 exited $q, expected $1"
  [ "$h" -eq "$1" ] || { cat "$T/out" >&2; fail "hvx check $2 exited $h, expected $1"; }
}

# ---- hvx check and qemu-img check agree on damaged images (exit codes
# 3: leaks only, 2: corruption).  Refcount block at cluster 2; cluster 5
# holds the first data cluster.
"$HVX" convert -O qcow2 "$T/src.raw" "$T/bad.qcow2"
printf '\000\002' | dd of="$T/bad.qcow2" bs=1 seek=131072 conv=notrunc \
  status=none
check_rc 3 "$T/bad.qcow2"
grep -q "leak at 0x0" "$T/out" || fail "hvx check does not name the leak"
printf '\000\000' | dd of="$T/bad.qcow2" bs=1 seek=$((131072 + 10)) \
  conv=notrunc status=none
check_rc 2 "$T/bad.qcow2"
grep -q "corruption at 0x50000" "$T/out" ||
  fail "hvx check does not name the corrupt cluster"

# ---- hvx info agrees with qemu-img info
for img in "$T/ov.qcow2" "$T/top.qcow2" "$T/flat.qcow2"; do
  qemu-img info --output=json "$img" >"$T/q.json"
  "$HVX" info --output=json "$img" >"$T/h.json"
  python3 - "$T/q.json" "$T/h.json" <<'EOF' || fail "hvx info disagrees with qemu-img info on $img"
import json, sys
q = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))
s = q["format-specific"]["data"]
pairs = [(q["virtual-size"], h["virtual_size"]),
         (q["cluster-size"], h["cluster_size"]),
         (s["compat"], h["compat"]),
         (s["refcount-bits"], h["refcount_bits"]),
         (str(s.get("lazy-refcounts", False)).lower(), h["lazy_refcounts"]),
         (str(s.get("corrupt", False)).lower(), h["corrupt"]),
         (q.get("backing-filename"), h.get("backing_file")),
         (q.get("backing-filename-format"), h.get("backing_format"))]
bad = [p for p in pairs if p[0] != p[1]]
if bad:
    print("qemu-img vs hvx:", bad, file=sys.stderr); sys.exit(1)
EOF
done
echo "ok"
