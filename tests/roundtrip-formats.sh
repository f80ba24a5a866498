#!/bin/sh
# Round trips through every format keep the content and the exact
# virtual size: raw -> vhd -> vhdx -> qcow2 -> raw, and the reverse
# chain, for sizes that are not multiples of any format's block, cluster
# or CHS geometry.  qemu-img compare is the judge at every step.
. "${top_srcdir:-.}/tests/lib.sh"
require qemu-img

for mib in 5 33; do
  src=$T/src-$mib.raw
  mkpattern "$src" "$mib"
  # an odd size: a whole number of sectors but no block or CHS multiple
  truncate -s $((mib * 1048576 + 7 * 512)) "$src"
  size=$(stat -c %s "$src")
  for chain in "vhd vhdx qcow2 raw" "qcow2 vhdx vhd raw" "vhdx raw vhd qcow2"; do
    prev=$src
    for fmt in $chain; do
      out=$T/rt-$mib-$(echo "$chain" | tr ' ' _)-$fmt
      "$HVX" convert -O "$fmt" "$prev" "$out" ||
        fail "convert $prev -> $fmt"
      got=$("$HVX" info --output=json "$out" | sed -n 's/.*"virtual_size": \([0-9]*\).*/\1/p')
      [ "$got" = "$size" ] || fail "$chain: $fmt has size $got, want $size"
      qsize=$(qemu-img info --output=json "$out" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
      [ "$qsize" = "$size" ] || fail "$chain: qemu-img sees $fmt size $qsize, want $size"
      qemu-img compare -q "$src" "$out" || fail "$chain: $fmt content differs"
      prev=$out
    done
  done
done
echo ok
