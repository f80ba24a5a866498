#!/bin/sh
# hvx vm convert to and from Hyper-V, OVF and libvirt, checked with tools
# we did not write: libvirt's virt-xml-validate (its RelaxNG schema for
# domain XML), xmllint (well-formedness, XPath), iconv (UTF-16 input),
# and Xen's libxlutil (inside hvx's xl writer) for the Xen direction.
. "${top_srcdir:-.}/tests/lib.sh"
require xmllint
require virt-xml-validate
require iconv
require python3
D="$top_srcdir/tests/data"
FX="$top_srcdir/tests/fixtures/xl"
if "$HVX" vm show --from xl /dev/null 2>&1 | grep -q "built without"; then
  echo "SKIP: hvx built without the Xen libraries"
  exit 77
fi

# xl -> libvirt: valid against libvirt's schema, for every fixture
for cfg in "$FX"/*; do
  case $cfg in *bad*|*err*) continue ;; esac
  "$HVX" vm convert --from xl --to libvirt -o "$T/d.xml" \
    --report="$T/r.json" "$cfg" 2>/dev/null || continue
  virt-xml-validate "$T/d.xml" domain >/dev/null 2>"$T/v.err" ||
    { cat "$T/v.err" "$T/d.xml" >&2; fail "libvirt XML of $cfg is invalid"; }
  n=$((${n:-0} + 1))
done
[ "${n:-0}" -ge 2 ] || fail "too few xl fixtures converted to libvirt ($n)"

# Hyper-V XML -> xl (Xen layout): libxlutil reads the result inside hvx
"$HVX" vm convert --from hyperv-xml --to xen-xl -o "$T/w.cfg" \
  --report="$T/w.json" "$D/hyperv-gen1.xml"
grep -q 'viridian' "$T/w.cfg" || fail "xen-xl: no viridian"
grep -q 'vdev=hdc, access=ro, devtype=cdrom' "$T/w.cfg" || fail "xen-xl: cdrom"
python3 - "$T/w.json" <<'PY' || fail "xen-xl report"
import json, sys
r = json.load(open(sys.argv[1]))
msgs = " ".join(i["message"] + " " + i["advice"] for i in r)
assert "Xen PV drivers" in msgs, msgs
assert "GPU Partition" in msgs
PY
"$HVX" vm show --from xl "$T/w.cfg" > /dev/null 2>&1 || fail "xl re-read"
# ... and to libvirt, both domain types, schema-valid
"$HVX" vm convert --from hyperv-xml --to libvirt-kvm -o "$T/k.xml" \
  --report="$T/k.json" "$D/hyperv-gen2.xml"
virt-xml-validate "$T/k.xml" domain >/dev/null || fail "kvm domain invalid"
grep -q "<hyperv mode='custom'>" "$T/k.xml" || fail "kvm: no hyperv element"

# xl -> Hyper-V: PowerShell and XML; the XML reads back to the same XML
"$HVX" vm convert --from xl --to hyperv-ps -o "$T/g.ps1" \
  --report="$T/g.json" "$FX/hvm-full.cfg"
grep -q '^\$vm = New-VM @newVM$' "$T/g.ps1" || fail "ps: New-VM"
grep -q 'Generation = 2;' "$T/g.ps1" || fail "ps: UEFI guest not Gen2"
"$HVX" vm convert --from xl --to hyperv-xml -o "$T/g1.xml" \
  --report="$T/g1.json" "$FX/hvm-full.cfg"
xmllint --noout "$T/g1.xml" || fail "hyperv-xml not well-formed"
[ "$(xmllint --xpath 'string(/configuration/properties/subtype)' "$T/g1.xml")" = 1 ] ||
  fail "hyperv-xml: subtype"
"$HVX" vm convert --from hyperv-xml --to hyperv-xml -o "$T/g2.xml" \
  --report="$T/g2.json" "$T/g1.xml"
cmp "$T/g1.xml" "$T/g2.xml" || fail "hyperv-xml round trip changed the file"

# UTF-16 with a BOM and CRLF, as Hyper-V writes: read the same
{ printf '\377\376'; sed 's/$/\r/; s/encoding="UTF-8"/encoding="UTF-16"/' \
    "$D/hyperv-gen1.xml" | iconv -f UTF-8 -t UTF-16LE; } > "$T/u16.xml"
"$HVX" vm show --from hyperv-xml --output=json "$D/hyperv-gen1.xml" > "$T/a.json"
"$HVX" vm show --from hyperv-xml --output=json "$T/u16.xml" > "$T/b.json"
cmp "$T/a.json" "$T/b.json" || fail "UTF-16 input reads differently"

# OVF: well-formed, the right items, and it reads back
"$HVX" vm convert --from hyperv-xml --to ovf -o "$T/v.ovf" \
  --report="$T/v.json" "$D/hyperv-gen1.xml"
xmllint --noout "$T/v.ovf" || fail "ovf not well-formed"
NS='declare namespace r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";'
count() {
  xmllint --xpath "count(//*[local-name()='ResourceType' and .='$1'])" "$T/v.ovf"
}
[ "$(count 17)" = 3 ] || fail "ovf: disks $(count 17)"
[ "$(count 15)" = 1 ] || fail "ovf: cd-rom"
[ "$(count 10)" = 1 ] || fail "ovf: nic"
[ "$(count 5)" = 2 ] || fail "ovf: IDE controllers"
[ "$(count 6)" = 1 ] || fail "ovf: SCSI controller"
"$HVX" vm show --from ovf --output=json "$T/v.ovf" > "$T/o.json"
python3 - "$T/o.json" <<'PY' || fail "ovf re-read"
import json, sys
v = json.load(open(sys.argv[1]))["vm"]
assert v["vcpus"] == 4 and v["memory"] == 2048 << 20, v
assert [d["path"] for d in v["disks"]] == [
    "system.vhdx", "en_windows_server_2012_r2.iso", "win2012-data.vhdx",
    "win2012-logs.vhd"], v["disks"]
assert v["nics"][0]["mac"] == "00:15:5d:01:07:dc"
PY

# bad input: a clear message with file, line and column
printf '<configuration>\n  <properties>\n  </propertiez>\n</configuration>\n' \
  > "$T/bad.xml"
expect_fail 1 "bad.xml:3:[0-9]+: malformed XML: .*propert" \
  "$HVX" vm show --from hyperv-xml "$T/bad.xml"
printf '<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<configuration/>\n' \
  > "$T/xxe.xml"
expect_fail 1 "DOCTYPE, which is refused" \
  "$HVX" vm show --from hyperv-xml "$T/xxe.xml"
expect_fail 1 "unknown input format 'hyperv-ps'" \
  "$HVX" vm convert --from hyperv-ps --to xl "$T/bad.xml"
echo ok
