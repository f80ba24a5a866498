#!/bin/sh
# VHDX against tools hvx did not write: qemu-img/qemu-io (both
# directions), libvhdi's vhdiinfo, and public sample images made by
# Hyper-V, Disk2VHD and qemu (tests/fixtures, see README there).
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img
require qemu-io
require vhdiinfo
require bzcat

FIX="${top_srcdir:-.}/tests/fixtures"
HELPER="${top_builddir:-.}/tests/test-vhdx"
LOGHELPER="${top_builddir:-.}/tests/test-vhdx-log"
mkpattern "$T/src.raw" 24

# info_of FILE KEY: one value from hvx info.
info_of() { "$HVX" info "$1" | sed -n "s/^$2  *//p" | head -n 1; }

# same_as_qemu FILE [QFILE]: what hvx reads from FILE (left in h.raw) is
# byte for byte what qemu-img reads from QFILE (default FILE).  qemu-img
# compare skips holes by block status, where cmp would read gigabytes of
# them.
same_as_qemu() {
  "$HVX" convert --force -O raw "$1" "$T/h.raw"
  qemu-img compare -f raw -F vhdx "$T/h.raw" "${2:-$1}" >/dev/null ||
    fail "$1: hvx and qemu-img read different data"
}

# same_in_window RAW VHDX BYTES: for the big samples, whose data is all
# near the start: the first BYTES of RAW (hvx's reading) are what qemu
# reads from VHDX, and qemu finds no data in RAW past them.  (qemu's VHDX
# driver has no block status, so comparing gigabytes of unallocated
# blocks through it would take long.)
same_in_window() {
  head -c "$3" "$1" >"$T/window.raw"
  qemu-img compare -f raw "$T/window.raw" "json:{\"driver\": \"raw\", \"size\": $3, \"file\": {\"driver\": \"vhdx\", \"file\": {\"driver\": \"file\", \"filename\": \"$2\"}}}" >/dev/null ||
    fail "$2: hvx and qemu-img read different data"
  qemu-img map -f raw --output=json "$1" |
    awk -F'[:,]' -v w="$3" '/"data": true/ && $2 + $4 > w + 0 { bad = 1 } END { exit bad }' ||
    fail "$2: hvx read data beyond the first $3 bytes"
}

# ---- qemu writes, hvx reads ---------------------------------------------
for o in subformat=dynamic,block_size=1M subformat=dynamic,block_size=8M \
         subformat=dynamic,block_size=32M subformat=fixed,block_size=1M \
         subformat=fixed,block_size=8M \
         subformat=dynamic,block_size=2M,block_state_zero=off \
         subformat=dynamic,log_size=4M; do
  rm -f "$T/q.vhdx"
  qemu-img convert -f raw -O vhdx -o "$o" "$T/src.raw" "$T/q.vhdx"
  same_as_qemu "$T/q.vhdx"
  cmp "$T/h.raw" "$T/src.raw" || fail "$o: content differs from the source"
  # Writes by qemu after creation (qemu updates its BAT through its log),
  # including zero writes and a partial block.
  qemu-io -f vhdx -c 'write -P 0x5a 3M 7k' -c 'write -z 1M 1M' \
    -c 'write -P 0x11 20971520 100k' "$T/q.vhdx" >/dev/null
  same_as_qemu "$T/q.vhdx"
  "$HVX" check "$T/q.vhdx" >/dev/null || fail "$o: hvx check of qemu's image"
  case $o in
    *fixed*) want=fixed ;;
    *) want=dynamic ;;
  esac
  [ "$(info_of "$T/q.vhdx" subformat)" = "$want" ] || fail "$o: subformat"
done

# ---- hvx writes, qemu and libvhdi read ----------------------------------
for o in "" subformat=fixed block_size=1M block_size=8M,physical_sector_size=512 \
         subformat=fixed,block_size=2M log_size=2M block_size=256M; do
  rm -f "$T/h.vhdx"
  "$HVX" convert -O vhdx ${o:+-o "$o"} "$T/src.raw" "$T/h.vhdx"
  qemu-img compare -f raw -F vhdx "$T/src.raw" "$T/h.vhdx" >/dev/null ||
    fail "'$o': qemu-img compare differs"
  qemu-img check -f vhdx "$T/h.vhdx" >/dev/null || fail "'$o': qemu-img check"
  vhdiinfo "$T/h.vhdx" >"$T/vi" || fail "'$o': vhdiinfo failed"
  grep -q "Media size.*(25165824 bytes)" "$T/vi" || fail "'$o': vhdiinfo size"
  # hvx changes a qemu-readable image in place: a partial block, a new
  # block, the last bytes; a raw copy gets the same writes.
  cp "$T/src.raw" "$T/src2.raw"
  for w in "3000 5000 1" "$((9 * 1048576 + 7)) 2000000 2" "$((24 * 1048576 - 3)) 3 3"; do
    set -- $w
    "$HELPER" --write vhdx "$T/h.vhdx" "$1" "$2" "$3" || fail "hvx write"
    "$HELPER" --write raw "$T/src2.raw" "$1" "$2" "$3" || fail "raw write"
  done
  qemu-img compare -f raw -F vhdx "$T/src2.raw" "$T/h.vhdx" >/dev/null ||
    fail "'$o': qemu-img compare after hvx writes"
  qemu-img check -f vhdx "$T/h.vhdx" >/dev/null ||
    fail "'$o': qemu-img check after hvx writes"
  # and qemu changes it in turn (through its log), hvx reads qemu's view
  qemu-io -f vhdx -c 'write -P 0x77 5M 3k' -c 'write -P 0x78 23M 1M' \
    "$T/h.vhdx" >/dev/null
  same_as_qemu "$T/h.vhdx"
  "$HVX" check "$T/h.vhdx" >/dev/null || fail "'$o': hvx check after qemu"
done

# qemu's VHDX driver does 512-byte logical sectors only; 4096 is checked
# with libvhdi and by reading back.
"$HVX" convert -O vhdx -o logical_sector_size=4096,block_size=4M \
  "$T/src.raw" "$T/4k.vhdx"
vhdiinfo "$T/4k.vhdx" >"$T/vi" || fail "4k: vhdiinfo failed"
grep -q "Bytes per sector.*4096" "$T/vi" || fail "4k: vhdiinfo sector size"
grep -q "(25165824 bytes)" "$T/vi" || fail "4k: vhdiinfo size"
"$HVX" compare "$T/src.raw" "$T/4k.vhdx" >/dev/null || fail "4k: content"

# ---- differencing (qemu refuses these; libvhdi and an expected raw) ------
mkdir "$T/diff"
"$HELPER" --make-diff "$T/diff" || fail "making the differencing pair"
vhdiinfo "$T/diff/child.vhdx" >"$T/vi" || fail "diff: vhdiinfo failed"
grep -q "Disk type.*Differential" "$T/vi" || fail "diff: vhdiinfo type"
grep -q "(12582912 bytes)" "$T/vi" || fail "diff: vhdiinfo size"
pid=$(sed -n 's/.*Parent identifier.*: *//p' "$T/vi")
vhdiinfo "$T/diff/parent.vhdx" >"$T/vp"
grep -q "Identifier.*: $pid\$" "$T/vp" ||
  fail "diff: vhdiinfo parent identifier $pid is not the parent's"
"$HVX" convert -O raw "$T/diff/child.vhdx" "$T/diff.raw"
cmp "$T/diff.raw" "$T/diff/expected.raw" || fail "diff: content"
[ "$(info_of "$T/diff/child.vhdx" subformat)" = differencing ] ||
  fail "diff: subformat"
# made with the CLI (size 0: the parent's); it reads as its parent
"$HVX" create -f vhdx -o parent="$T/diff/parent.vhdx" "$T/diff/c2.vhdx" 0
vhdiinfo "$T/diff/c2.vhdx" | grep -q "Disk type.*Differential" ||
  fail "diff: CLI-made child"
"$HVX" convert -O raw "$T/diff/c2.vhdx" "$T/c2.raw"
qemu-img compare -f raw -F vhdx "$T/c2.raw" "$T/diff/parent.vhdx" >/dev/null ||
  fail "diff: an empty child does not read as its parent"

# ---- a dirty log made by hand, replayed by hvx and by qemu --------------
# (Not with a sequence that wraps round the end of the circular log:
# qemu 7.2 then replays only the entries after the wrap, ignoring the
# newest entry's tail - test-vhdx-log checks hvx against the expected
# disk there.)
for how in dirty; do
  "$LOGHELPER" --make-$how "$T/$how.vhdx" || fail "making a $how image"
  cp "$T/$how.vhdx" "$T/$how-q.vhdx"
  qemu-img check -r all "$T/$how-q.vhdx" >/dev/null 2>&1 || true
  same_as_qemu "$T/$how.vhdx" "$T/$how-q.vhdx"
  # and the log did matter: without it block 2 is a hole
  qemu-img compare -f vhdx -F vhdx "$T/$how-q.vhdx" "$T/$how.vhdx" \
    >/dev/null 2>&1 && fail "$how: qemu read the unreplayed image the same"
done

# ---- samples made by Hyper-V, Disk2VHD and qemu --------------------------
for s in iotest-dynamic-1G test-disk2vhd; do
  bzcat "$FIX/$s.vhdx.bz2" | cp --sparse=always /dev/stdin "$T/$s.vhdx"
  "$HVX" convert --force -O raw "$T/$s.vhdx" "$T/h.raw"
  same_in_window "$T/h.raw" "$T/$s.vhdx" 134217728
  "$HVX" check "$T/$s.vhdx" >/dev/null || fail "$s: hvx check"
  # (not a comparison of two empty disks)
  [ "$(head -c 100M "$T/h.raw" | tr -d '\0' | head -c 1 | wc -c)" = 1 ] ||
    fail "$s: reads as all zeros"
done
[ "$(info_of "$T/iotest-dynamic-1G.vhdx" creator_app)" = \
  "Microsoft Windows 6.2.9200.16384" ] || fail "Hyper-V sample: creator"

# The dirty-log sample: hvx replays in memory without touching the file;
# a read-write open replays into the file, which must then be what
# qemu's replay makes of it (apart from the headers, which get new
# GUIDs), and read as the in-memory replay did.
d="$T/dirty-sample.vhdx"
bzcat "$FIX/iotest-dirtylog-10G-4M.vhdx.bz2" | cp --sparse=always /dev/stdin "$d"
before=$(sha256sum <"$d")
qemu-img convert -f vhdx -O raw "$d" "$T/q.raw" 2>/dev/null &&
  fail "qemu-img read the dirty sample read-only: the log is not needed?"
"$HVX" info "$d" | grep -q "log_state *dirty: 1 log entries replayed in memory" ||
  fail "dirty sample: log state"
"$HVX" convert --force -O raw "$d" "$T/ro.raw"
[ "$(sha256sum <"$d")" = "$before" ] || fail "read-only replay changed the file"
cp "$d" "$T/dq.vhdx"
qemu-img check -r all "$T/dq.vhdx" >/dev/null 2>&1 || true
"$HELPER" --write vhdx "$d" 0 0 0 || fail "read-write open of the sample"
[ "$(info_of "$d" log_state)" = clean ] || fail "log not cleared"
cmp -i 196608 "$d" "$T/dq.vhdx" || fail "hvx and qemu replays differ"
qemu-img check "$d" >"$T/qc" 2>&1 || { cat "$T/qc"; fail "qemu-img check after replay"; }
same_in_window "$T/ro.raw" "$d" 67108864

# A new dynamic image allocates only its structures: no more than
# qemu-img's (the benchmark compares output allocation).
"$HVX" create -f vhdx "$T/empty.vhdx" 1G
qemu-img create -q -f vhdx "$T/qempty.vhdx" 1G
h=$(stat -c %b "$T/empty.vhdx") q=$(stat -c %b "$T/qempty.vhdx")
[ "$h" -le "$q" ] || fail "new vhdx allocates $h sectors, qemu-img's $q"
qemu-img check "$T/empty.vhdx" >/dev/null || fail "qemu-img check: empty"
echo ok
