#!/bin/sh
# The examples (examples/*.c built as check programs, examples/*.py) run
# on a generated image; qemu-img and sha256sum judge their output, and
# the C and Python versions must print the same.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pylib.sh"
require qemu-img
require sha256sum
find_python ctypes
python_env
EX=${top_builddir:-.}/examples
PYEX=$top_srcdir/examples

mkpattern "$T/disk.raw" 4
want_sum=$(sha256sum "$T/disk.raw" | cut -d' ' -f1)

# The source: qcow2 when this libhvx reads it, else raw.
qemu-img convert -f raw -O qcow2 "$T/disk.raw" "$T/disk.qcow2"
if "$HVX" formats | grep -qx qcow2; then
  src=$T/disk.qcow2 qfmt=qcow2
else
  src=$T/disk.raw qfmt=raw
fi
vsize=$(qemu-img info --output=json -f "$qfmt" "$src" |
        sed -n 's/^ *"virtual-size": *\([0-9]*\).*/\1/p')
[ -n "$vsize" ] || fail "no virtual size from qemu-img info"

# -- image info --
for ex in "$EX/image-info" "run_py $PYEX/image_info.py"; do
  $ex "$src" >"$T/info.out" || fail "$ex exited $?"
  grep -Eq "^format +$qfmt\$" "$T/info.out" || fail "$ex: format is not $qfmt"
  grep -Eq "^virtual_size +$vsize\$" "$T/info.out" ||
    fail "$ex: virtual_size differs from qemu-img's $vsize"
  grep -Eq '^check +clean$' "$T/info.out" || fail "$ex: check not clean"
  mv "$T/info.out" "$T/info.$(basename "${ex##* }")"
done
# (actual_size is st_blocks, which the file system may still be settling
# for a file just written: not compared)
grep -v '^actual_size ' "$T/info.image-info" >"$T/c.info"
grep -v '^actual_size ' "$T/info.image_info.py" >"$T/py.info"
cmp "$T/c.info" "$T/py.info" ||
  fail "C and Python image-info examples print different things"
grep -q '^actual_size ' "$T/info.image_info.py" || fail "no actual_size"
expect_fail 1 'missing.img' "$EX/image-info" "$T/missing.img"
expect_fail 1 'missing.img' run_py "$PYEX/image_info.py" "$T/missing.img"

# -- convert with progress --
for ex in "$EX/convert-progress" "run_py $PYEX/convert_progress.py"; do
  out=$T/out-$(basename "${ex##* }").raw
  $ex "$src" "$out" raw >"$T/conv.out" 2>"$T/conv.err" ||
    { cat "$T/conv.err" >&2; fail "$ex exited $?"; }
  qemu-img compare -f "$qfmt" -F raw "$src" "$out" >/dev/null ||
    fail "$ex: qemu-img compare: the copy differs"
  [ "$(cat "$T/conv.out")" = "sha256 $want_sum" ] ||
    fail "$ex: printed '$(cat "$T/conv.out")', sha256sum says $want_sum"
  [ "$(tail -n 1 "$T/conv.err")" = "progress 100%" ] ||
    fail "$ex: progress did not end at 100%"
  # libhvx reports 0 first and DONE == TOTAL last, whatever it reports
  # in between (it throttles reports in time)
  [ "$(head -n 1 "$T/conv.err")" = "progress   0%" ] ||
    fail "$ex: progress did not start at 0%"
  expect_fail 1 'exists' $ex "$src" "$out" raw
done

# -- xl.cfg to a Hyper-V PowerShell script --
cat >"$T/web.cfg" <<'CFG'
name = "web"
type = "hvm"
memory = 1024
vcpus = 2
disk = [ "format=raw, vdev=xvda, access=rw, target=/img/web.raw" ]
vif = [ "mac=00:16:3e:11:22:33, bridge=xenbr0" ]
cpus = "0-1"
CFG
"$HVX" vm convert --from xl --to hyperv-ps -o "$T/want.ps1" "$T/web.cfg" \
  2>/dev/null
for ex in "$EX/xl-to-hyperv" "run_py $PYEX/xl_to_hyperv.py"; do
  b=$(basename "${ex##* }")
  $ex "$T/web.cfg" >"$T/$b.ps1" 2>"$T/$b.report" ||
    { cat "$T/$b.report" >&2; fail "$ex exited $?"; }
  cmp "$T/want.ps1" "$T/$b.ps1" >/dev/null ||
    fail "$ex: script differs from hvx vm convert's"
  grep -q "^warning: key cpus: " "$T/$b.report" ||
    fail "$ex: the report lacks the key it kept without understanding"
  grep -q "New-VM" "$T/$b.ps1" || fail "$ex: no New-VM in the script"
done
cmp "$T/xl-to-hyperv.report" "$T/xl_to_hyperv.py.report" ||
  fail "C and Python xl-to-hyperv examples report differently"
expect_fail 1 'nope.cfg' "$EX/xl-to-hyperv" "$T/nope.cfg"
echo "ok"
