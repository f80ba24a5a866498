#!/bin/sh
# hvx convert's engine from the outside: thread counts give identical
# files (qemu-img compare and cmp), digests match sha256sum, SIGTERM and
# SIGINT leave no temporary file and an existing destination untouched,
# peak RSS stays bounded, -p draws a progress bar on a terminal.
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img
require python3

mkpattern "$T/src.raw" 12
want=$(sha256sum "$T/src.raw" | cut -d' ' -f1)
for m in 1 2 4; do
  d=$("$HVX" convert -m $m --digest sha256 -O raw "$T/src.raw" "$T/m$m.raw" |
      cut -d' ' -f1)
  [ "$d" = "$want" ] || fail "-m $m: digest $d, sha256sum says $want"
  qemu-img compare -f raw -F raw "$T/src.raw" "$T/m$m.raw" >/dev/null ||
    fail "qemu-img compare: -m $m output differs"
  cmp "$T/m1.raw" "$T/m$m.raw" || fail "-m $m output differs from -m 1"
  [ "$(stat -c %b "$T/m$m.raw")" = "$(stat -c %b "$T/m1.raw")" ] ||
    fail "-m $m output allocates differently from -m 1"
done
d=$("$HVX" convert --no-detect-zeroes --no-sync --digest sha256 -O raw \
    "$T/src.raw" "$T/nz.raw" | cut -d' ' -f1)
[ "$d" = "$want" ] || fail "--no-detect-zeroes digest $d != $want"
[ "$(stat -c %b "$T/nz.raw")" -gt "$(stat -c %b "$T/m1.raw")" ] ||
  fail "--no-detect-zeroes should keep the allocated zeros"
# Every format pair the build has, through the parallel engine: qemu-img
# reads the results back (compare; check where it has one), digests
# agree with sha256sum of the flat source.
qfmt() { case $1 in vhd) echo vpc ;; *) echo "$1" ;; esac; }
fmts=$("$HVX" formats)
for a in $fmts; do
  "$HVX" convert -m 3 -O "$a" "$T/src.raw" "$T/pair.$a"
done
for a in $fmts; do
  for b in $fmts; do
    d=$("$HVX" convert -m 3 --no-sync --digest sha256 -O "$b" "$T/pair.$a" \
        "$T/out-$a.$b" | cut -d' ' -f1)
    [ "$d" = "$want" ] || fail "$a -> $b: digest $d != $want"
    qemu-img compare -f "$(qfmt "$a")" -F "$(qfmt "$b")" "$T/pair.$a" \
      "$T/out-$a.$b" >/dev/null || fail "qemu-img compare: $a -> $b differs"
    case $b in
      qcow2|vhdx) qemu-img check -f "$b" "$T/out-$a.$b" >/dev/null ||
                    fail "qemu-img check: $a -> $b" ;;
    esac
    d=$("$HVX" digest "$T/out-$a.$b" | cut -d' ' -f1)
    [ "$d" = "$want" ] || fail "hvx digest of $a -> $b: $d != $want"
    rm -f "$T/out-$a.$b"
  done
done
if echo "$fmts" | grep -qw qcow2; then
  for m in 1 4; do
    "$HVX" convert -c -m $m -O qcow2 "$T/src.raw" "$T/c$m.qcow2"
    qemu-img check "$T/c$m.qcow2" >/dev/null || fail "qemu-img check -c -m $m"
    qemu-img compare -f raw "$T/src.raw" "$T/c$m.qcow2" >/dev/null ||
      fail "qemu-img compare: -c -m $m differs"
  done
  cmp "$T/c1.qcow2" "$T/c4.qcow2" || fail "-c: -m 4 differs from -m 1"
  qemu-img convert -c -O qcow2 "$T/src.raw" "$T/qc.qcow2"
  [ "$(stat -c %s "$T/c1.qcow2")" -le "$(stat -c %s "$T/qc.qcow2")" ] ||
    fail "-c output larger than qemu-img's"
fi

expect_fail 1 "thread count" "$HVX" convert -m 65 -O raw "$T/src.raw" "$T/x.raw"
expect_fail 1 "thread count" "$HVX" convert -m x -O raw "$T/src.raw" "$T/x.raw"

# A long conversion to interrupt: hashing 64 GiB of holes takes a while.
truncate -s 64G "$T/big.raw"
head -c 1M /dev/urandom | dd of="$T/big.raw" bs=1M seek=100 conv=notrunc status=none
for sig in TERM INT; do
  printf 'precious' >"$T/dst.raw"
  "$HVX" convert --force --digest sha256 -O raw "$T/big.raw" "$T/dst.raw" \
    >"$T/out" 2>"$T/err" &
  pid=$!
  i=0
  until ls -a "$T" | grep -q '\.dst\.raw\.hvx-'; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "no temporary file appeared"
    sleep 0.05
  done
  sleep 0.2
  t0=$(date +%s%N)
  kill -$sig $pid
  set +e
  wait $pid
  rc=$?
  set -e
  t1=$(date +%s%N)
  [ $rc -eq 1 ] || fail "SIG$sig: hvx convert exited $rc, expected 1"
  grep -q "cancelled" "$T/err" || fail "SIG$sig: no 'cancelled' message"
  [ $(( (t1 - t0) / 1000000 )) -lt 3000 ] || fail "SIG$sig: slow to stop"
  ls -a "$T" | grep -q 'hvx-' && fail "SIG$sig: temporary file left behind"
  [ "$(cat "$T/dst.raw")" = precious ] || fail "SIG$sig: destination changed"
done

# Peak RSS stays far below 64 MiB on a large sparse disk with data.
truncate -s 256G "$T/rss.raw"
for off in 0 1000 70000 200000; do
  head -c 8M /dev/urandom | dd of="$T/rss.raw" bs=1M seek=$off conv=notrunc status=none
done
rss=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
  "$HVX" convert --no-sync -m 8 -O raw "$T/rss.raw" "$T/rss-out.raw")
[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KiB"
qemu-img compare -f raw -F raw "$T/rss.raw" "$T/rss-out.raw" >/dev/null ||
  fail "large sparse copy differs"
rm -f "$T/rss.raw" "$T/rss-out.raw" "$T/big.raw"

# -p draws on a terminal only.
"$HVX" convert -p -O raw "$T/src.raw" "$T/p1.raw" 2>"$T/err"
[ ! -s "$T/err" ] || fail "-p wrote to a non-terminal"
if command -v script >/dev/null 2>&1; then
  script -qec "'$HVX' convert -p -O raw '$T/src.raw' '$T/p2.raw'" /dev/null \
    >"$T/tty" 2>&1 </dev/null || fail "-p under a terminal failed"
  grep -q '100.0%' "$T/tty" || fail "-p: no final 100% line"
  grep -q 'MiB/s' "$T/tty" || fail "-p: no rate shown"
fi
echo ok
