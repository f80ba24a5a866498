#!/bin/sh
# hvx vm show / convert from the command line: output, reports, errors.
. "${top_srcdir:-.}/tests/lib.sh"
require python3
if "$HVX" vm show --from xl /dev/null 2>&1 | grep -q "built without"; then
  echo "SKIP: hvx built without the Xen libraries"
  exit 77
fi
FX="$top_srcdir/tests/fixtures/xl"

"$HVX" vm show --from xl "$FX/xlexample.pvhlinux" > "$T/show.txt" 2> "$T/show.err"
grep -q "^type: *pvh" "$T/show.txt" || fail "show: type"
grep -q "^disk 0: *xvda xen 0:0 rw  /dev/zvol/tank/guest-volume raw" \
  "$T/show.txt" || fail "show: disk"
[ ! -s "$T/show.err" ] || fail "show: unexpected report: $(cat "$T/show.err")"

"$HVX" vm show --from xl --output=json "$FX/hvm-full.cfg" > "$T/full.json"
python3 - "$T/full.json" <<'PY' || fail "show --output=json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["vm"]["name"] == "web01"
assert d["vm"]["firmware"] == "uefi"
assert len(d["vm"]["disks"]) == 5
kept = [r["subject"] for r in d["report"] if r["severity"] == "warning"]
for k in ("key cpus", "key vnc", "key cpuid", "vif 2"):
    assert k in kept, k
PY

# convert: the config to a file, the report as JSON; xl reads it back.
"$HVX" vm convert --from xl --to xl -o "$T/out.cfg" --report="$T/r.json" \
  "$FX/pv-pygrub.cfg"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); \
  assert any(i['subject']=='key extra_key.with.dots' for i in r)" "$T/r.json" ||
  fail "convert --report"
"$HVX" vm show --from xl "$T/out.cfg" | grep -q "^bootloader: *pygrub --entry=0 -q" ||
  fail "convert output does not read back"

# --strict refuses a conversion that loses settings
cat > "$T/sb.cfg" <<'CFG'
name = "x"
type = "hvm"
CFG
"$HVX" vm convert --from xl --to xl --strict "$T/sb.cfg" > /dev/null ||
  fail "--strict refused a lossless conversion"

expect_fail 1 "unknown input format 'vmx'" "$HVX" vm show --from vmx "$T/sb.cfg"
expect_fail 1 "usage: hvx vm" "$HVX" vm show "$T/sb.cfg"
expect_fail 1 "unknown subcommand 'frob'" "$HVX" vm frob
expect_fail 1 "No such file" "$HVX" vm show --from xl "$T/missing.cfg"
printf 'name = "x"\ntype = "hvm"\ndisk = [ "/a,raw,xvda,rw", "/b,raw,xvda,rw" ]\n' \
  > "$T/dup.cfg"
expect_fail 1 "dup.cfg:3:28: disk\[1\]: vdev 'xvda' is the same device" \
  "$HVX" vm show --from xl "$T/dup.cfg"
printf 'name = "x"\ntype = "hvm"\nmemory = "1024\n' > "$T/unterminated.cfg"
expect_fail 1 "unterminated.cfg:3:10: config parsing error near" \
  "$HVX" vm convert --from xl --to xl "$T/unterminated.cfg"
echo "ok"
