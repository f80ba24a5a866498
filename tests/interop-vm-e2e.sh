#!/bin/sh
# End to end through the CLI, as a person moving two Linux guests would:
# a PV guest booted by pygrub and an HVM guest with viridian groups, from
# xl.cfg to Hyper-V (PowerShell script and XML configuration), the XML
# read back, and laid out for Xen again.  Oracles, none of them hvx code:
# Xen's libxlutil and libxl name tables (tests/xlu-dump) read every
# xl.cfg, xmllint reads the XML, libvirt's schema checks the KVM domain,
# /bin/sh runs the advice commands,
# python3's json reads the JSON output.
. "${top_srcdir:-.}/tests/lib.sh"
require xmllint
require virt-xml-validate
require python3
XLU=${top_builddir:-.}/tests/xlu-dump
if "$HVX" vm show --from xl /dev/null 2>&1 | grep -q "built without"; then
  echo "SKIP: hvx built without the Xen libraries"
  exit 77
fi
[ -x "$XLU" ] || fail "tests/xlu-dump is not built"

cat > "$T/pv.cfg" <<'EOF'
# A Linux PV guest booted by pygrub from its own disk.
name = "web-pv"
type = "pv"
bootloader = "pygrub"
memory = 1024
vcpus = 2
disk = [ "format=raw, vdev=xvda, access=rw, target=/srv/xen/web's root.img",
         "format=qcow2, vdev=xvdb, access=rw, target=/srv/xen/web-data.qcow2" ]
vif = [ "mac=00:16:3e:12:34:56, bridge=xenbr0" ]
EOF
cat > "$T/hvm.cfg" <<'EOF'
# A Linux HVM guest offered some Hyper-V interfaces.
name = "app-hvm"
type = "hvm"
memory = 2048
vcpus = 2
viridian = [ "base", "freq", "stimer", "cpu_hotplug" ]
disk = [ "format=raw, vdev=xvda, access=rw, target=/srv/xen/app.img",
         "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/srv/iso/install.iso" ]
vif = [ "mac=00:16:3e:65:43:21, bridge=xenbr0, model=e1000" ]
serial = "pty"
EOF
"$XLU" "$T/pv.cfg" > "$T/pv.xlu" || fail "libxlutil rejects the PV source"
"$XLU" "$T/hvm.cfg" > "$T/hvm.xlu" || fail "libxlutil rejects the HVM source"
grep -qx 'bootloader=pygrub' "$T/pv.xlu" || fail "oracle: no pygrub"

# Run every `hvx convert` command of a JSON report's advice through the
# shell, with a stand-in hvx that prints its arguments <one> <a> <line>.
run_advice() {
  python3 - "$1" > "$T/advice.sh" <<'PY'
import json, sys
print("hvx() { printf '<%s>\\n' \"$@\"; }")
for i in json.load(open(sys.argv[1])):
    a = i["advice"]
    if "hvx convert " in a:
        print(a[a.index("hvx convert "):])
PY
  sh "$T/advice.sh"
}

for g in pv hvm; do
  # ---- xl -> Hyper-V PowerShell -----------------------------------------
  "$HVX" vm convert --from xl --to hyperv-ps --os linux -o "$T/$g.ps1" \
    --report="$T/$g-ps.json" "$T/$g.cfg"
  grep -q '^\$vm = New-VM @newVM$' "$T/$g.ps1" || fail "$g: no New-VM"
  grep -q 'Generation = 1;' "$T/$g.ps1" || fail "$g: not Generation 1"
  grep -q "StaticMacAddress '00163E" "$T/$g.ps1" || fail "$g: MAC not kept"
  python3 - "$T/$g-ps.json" "$g" <<'PY' || fail "$g: hyperv-ps report"
import json, sys
r, g = json.load(open(sys.argv[1])), sys.argv[2]
def has(sev, subj, text):
    return any(i["severity"] == sev and subj in i["subject"] and
               (text in i["message"] or text in i["advice"]) for i in r)
def need(sev, subj, text):
    assert has(sev, subj, text), (sev, subj, text, json.dumps(r, indent=1))
# the root disk moves from xvda to an IDE/SCSI disk: fstab names break
need("warning", "disk xvda", "/dev/xvda")
need("warning", "disk xvda", "UUID=")
# the Linux guest needs the Hyper-V drivers in its initramfs
for drv in ("hv_vmbus", "hv_storvsc", "hv_netvsc", "update-initramfs"):
    need("warning", "drivers", drv)
assert not has("warning", "drivers", "Windows (Server"), "os hint ignored"
# images become VHDX
need("warning", "disk xvda", "hvx convert -O vhdx")
# enlightenments: Hyper-V offers its own set
need("warning", "enlightenments", "also offered Hyper-V features")
if g == "pv":
    need("warning", "guest", "bootloader on its disk")
    need("warning", "guest", "grub-install")
    need("loss", "bootloader", "pygrub")
    need("warning", "enlightenments", "synic-messages")
else:
    need("loss", "enlightenments", "Xen platform device")
    # cpu_hotplug: Xen offers it, a Hyper-V host does not announce it
    need("loss", "enlightenment cpu-hotplug", "Hyper-V")
    assert not has("loss", "enlightenment stimer", "")
PY
  run_advice "$T/$g-ps.json" > "$T/$g-advice.out"
  if [ $g = pv ]; then
    grep -qx "</srv/xen/web's root.img>" "$T/$g-advice.out" ||
      { cat "$T/advice.sh"; fail "pv: advice mangles the quoted path"; }
    grep -qx "</srv/xen/web's root.vhdx>" "$T/$g-advice.out" ||
      fail "pv: advice target path"
    # PowerShell single-quoted literal: the quote doubled
    grep -q "Join-Path \$DiskRoot 'web''s root.vhdx'" "$T/$g.ps1" ||
      fail "pv: script disk path"
  fi

  # ---- xl -> Hyper-V XML, read back ---------------------------------------
  "$HVX" vm convert --from xl --to hyperv-xml --os linux -o "$T/$g.xml" \
    --report="$T/$g-xml.json" "$T/$g.cfg"
  xmllint --noout "$T/$g.xml" || fail "$g: Hyper-V XML not well-formed"
  [ "$(xmllint --xpath 'string(/configuration/properties/subtype)' "$T/$g.xml")" = 0 ] ||
    fail "$g: subtype is not Generation 1"
  "$HVX" vm show --from hyperv-xml --output=json "$T/$g.xml" > "$T/$g-back.json"
  python3 - "$T/$g-back.json" "$g" <<'PY' || fail "$g: XML read back"
import json, sys
v, g = json.load(open(sys.argv[1]))["vm"], sys.argv[2]
assert v["guest_type"] == "hvm" and v["firmware"] == "bios", v
assert v["bootloader"] is None and v["xen_platform"] is False, v
hd = [d for d in v["disks"] if not d["cdrom"]]
assert hd[0]["bus"] == "ide" and hd[0]["controller"] == 0 \
    and hd[0]["slot"] == 0, hd
assert all(d["path"].endswith(".vhdx") for d in hd), hd
assert v["nics"][0]["mac"] in ("00:16:3e:12:34:56", "00:16:3e:65:43:21")
# a guest read from Hyper-V is offered what Hyper-V offers (VMBus too)
assert "synic-messages" in v["hv_features"], v["hv_features"]
if g == "hvm":
    cd = [d for d in v["disks"] if d["cdrom"]]
    assert cd and cd[0]["bus"] == "ide", v["disks"]
PY
  # written back unchanged: it is already a Hyper-V guest
  "$HVX" vm convert --from hyperv-xml --to hyperv-xml -o "$T/$g-2.xml" \
    "$T/$g.xml" 2>/dev/null
  cmp "$T/$g.xml" "$T/$g-2.xml" || fail "$g: Hyper-V XML round trip changed"

  # ---- Hyper-V XML -> xl (Xen layout), JSON output, libxlutil reads it ----
  "$HVX" vm convert --from hyperv-xml --to xen-xl --os linux --output=json \
    "$T/$g.xml" > "$T/$g-xen.json"
  python3 - "$T/$g-xen.json" "$T/$g-xen.cfg" <<'PY' || fail "$g: xen-xl JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert set(j) == {"output", "file", "report"}, j.keys()
assert j["file"] is None and j["output"].startswith("# xl.cfg"), j
open(sys.argv[2], "w").write(j["output"])
r = j["report"]
def need(sev, subj, text):
    assert any(i["severity"] == sev and subj in i["subject"] and
               (text in i["message"] or text in i["advice"]) for i in r), \
        (sev, subj, text, json.dumps(r, indent=1))
need("warning", "drivers", "xen-blkfront")
need("info", "enlightenments", "viridian is off")
need("warning", "disk 0", "/etc/fstab")
need("warning", "disk 0", "hvx convert -O raw")
PY
  "$XLU" "$T/$g-xen.cfg" > "$T/$g-xen.xlu" || fail "$g: libxlutil rejects xen-xl"
  grep -qx 'type=hvm' "$T/$g-xen.xlu" || fail "$g: xen-xl not HVM"
  grep -q '^viridian=' "$T/$g-xen.xlu" && fail "$g: Linux guest got viridian"
  grep -q '^xen_platform_pci=0' "$T/$g-xen.xlu" && fail "$g: no platform device"
  grep -Eq '^disk0=xvda cdrom=0 format=raw target=/var/lib/xen/images/.*\.raw$' \
    "$T/$g-xen.xlu" || { cat "$T/$g-xen.xlu"; fail "$g: boot disk"; }
done
grep -qx 'disk1=hdc cdrom=1 format=raw target=/srv/iso/install.iso' \
  "$T/hvm-xen.xlu" || { cat "$T/hvm-xen.xlu"; fail "hvm: cdrom"; }

# The same HVM guest said to be Windows: Xen gets the viridian groups
# closest to what Hyper-V offered, and the report names what Xen lacks.
"$HVX" vm convert --from hyperv-xml --to xen-xl --os windows \
  -o "$T/win.cfg" --report="$T/win.json" "$T/hvm.xml"
"$XLU" "$T/win.cfg" > "$T/win.xlu" || fail "windows: libxlutil rejects it"
grep -qx 'viridian=base,freq,time_ref_count,reference_tsc,hcall_remote_tlb_flush,apic_assist,crash_ctl,synic,stimer,hcall_ipi,ex_processor_masks' \
  "$T/win.xlu" || { cat "$T/win.xlu"; fail "windows: viridian groups"; }
python3 - "$T/win.json" <<'PY' || fail "windows: report"
import json, sys
r = json.load(open(sys.argv[1]))
lost = {i["subject"] for i in r if i["severity"] == "loss"}
for f in ("vp-runtime", "synic-messages", "stimer-direct", "xmm-input"):
    assert "enlightenment " + f in lost, (f, lost)
assert "enlightenment stimer" not in lost, lost
assert any("xenvbd" in i["advice"] for i in r)
PY

# The HVM guest to KVM: libvirt's schema accepts the domain, its <hyperv>
# elements are those the map gives for Xen's groups, and the report says
# what KVM lacks (SINT polling) and adds.
"$HVX" vm convert --from xl --to libvirt-kvm -o "$T/kvm.xml" \
  --report="$T/kvm.json" "$T/hvm.cfg"
virt-xml-validate "$T/kvm.xml" domain >/dev/null ||
  fail "libvirt-kvm: invalid against libvirt's schema"
for e in relaxed vapic vpindex synic stimer frequencies; do
  [ "$(xmllint --xpath "string(/domain/features/hyperv/$e/@state)" "$T/kvm.xml")" = on ] ||
    fail "libvirt-kvm: no <$e state='on'/>"
done
[ "$(xmllint --xpath 'string(/domain/features/hyperv/spinlocks/@retries)' "$T/kvm.xml")" = 4095 ] ||
  fail "libvirt-kvm: spinlocks retries (libvirt's least is 4095)"
[ "$(xmllint --xpath "count(/domain/clock/timer[@name='hypervclock'])" "$T/kvm.xml")" = 1 ] ||
  fail "libvirt-kvm: no hypervclock timer"
python3 - "$T/kvm.json" <<'PY' || fail "libvirt-kvm: report"
import json, sys
r = json.load(open(sys.argv[1]))
assert any(i["severity"] == "loss" and i["subject"] == "enlightenment sint-polling"
           and "QEMU/KVM" in i["message"] for i in r), r
assert any(i["severity"] == "warning" and i["subject"] == "enlightenments"
           and "reference-tsc" in i["message"] for i in r), r
assert any("Xen platform" in i["message"] for i in r), r
PY

# --output=json with -o: the file holds the text, the JSON says where
"$HVX" vm convert --from xl --to xl --output=json -o "$T/same.cfg" \
  "$T/hvm.cfg" > "$T/same.json"
python3 - "$T/same.json" "$T/same.cfg" <<'PY' || fail "json with -o"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["file"] == sys.argv[2] and open(sys.argv[2]).read() == j["output"]
PY
"$XLU" "$T/same.cfg" | grep -qx 'viridian=base,freq,time_ref_count,synic,stimer,cpu_hotplug' ||
  fail "xl -> xl: viridian groups changed meaning"

# --strict refuses a conversion that loses settings (pygrub here): exit 2,
# and the JSON has the report but no output
set +e
"$HVX" vm convert --from xl --to hyperv-ps --strict --output=json \
  "$T/pv.cfg" > "$T/strict.json" 2>/dev/null
rc=$?
set -e
[ $rc -eq 2 ] || fail "--strict exited $rc, expected 2"
python3 - "$T/strict.json" <<'PY' || fail "--strict JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["output"] is None and j["file"] is None
assert any(i["severity"] == "loss" for i in j["report"])
PY

# Errors name what is wrong, and every format
expect_fail 1 "unknown output format 'hyperv' \(known: xl, hyperv-xml, hyperv-ps, ovf, libvirt, libvirt-kvm, xen-xl\)" \
  "$HVX" vm convert --from xl --to hyperv "$T/pv.cfg"
expect_fail 1 "unknown input format 'libvirt' \(known: xl, hyperv-xml, ovf\)" \
  "$HVX" vm convert --from libvirt --to xl "$T/pv.cfg"
expect_fail 1 "vm: --os 'solaris': use linux or windows" \
  "$HVX" vm convert --from xl --to xl --os solaris "$T/pv.cfg"
echo ok
