#!/bin/sh
# The hypercall tables against their sources: the Xen public headers
# (both directions: every __HYPERVISOR_* and sub-op macro is in hvx's
# table with the same number and name, and nothing else is), Linux's
# asm/kvm_para.h, the TLFS call-code list (tests/data/hypercall/), and
# the hvx hypercall/enlightenments commands end to end.
. "${top_srcdir:-.}/tests/lib.sh"

require python3
X=/usr/include/xen
[ -f "$X/xen.h" ] || require xen-headers-missing
KVMPARA=$(ls /usr/include/*/asm/kvm_para.h /usr/include/asm/kvm_para.h \
  2>/dev/null | head -n 1)
[ -n "$KVMPARA" ] || require linux-libc-dev-kvm_para.h

# expect_rc CODE CMD...: CMD must exit with CODE; output in $T/out.
expect_rc() {
  code=$1
  shift
  set +e
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
  [ "$rc" -eq "$code" ] || { cat "$T/err" >&2; fail "'$*' exited $rc, expected $code"; }
}

# ---- Xen: numbers and names, both ways --------------------------------
"$HVX" hypercall list --xen --output=json > "$T/xen.json"
python3 - "$T/xen.json" "$X" <<'EOF' || fail "Xen table differs from the headers"
import json, re, sys
table = json.load(open(sys.argv[1]))
xen = sys.argv[2]
def defines(path, prefix, exclude=None):
    out = {}
    for line in open(path):
        m = re.match(r'#define\s+' + prefix + r'([a-z_0-9]+)\s+([0-9]+)\b', line)
        if m and not (exclude and re.match(exclude, m.group(1))):
            out[m.group(1)] = int(m.group(2))
    return out
bad = []
def compare(what, ours, theirs):
    for n, v in theirs.items():
        if ours.get(n) != v:
            bad.append("%s: header has %s = %d, hvx has %s" % (what, n, v, ours.get(n)))
    for n, v in ours.items():
        if n not in theirs:
            bad.append("%s: hvx has %s = %d, the header has no such name" % (what, n, v))
compare("xen.h", {h["name"]: h["number"] for h in table},
        defines(xen + "/xen.h", "__HYPERVISOR_"))
subops = {
    "sched_op": ("sched.h", "SCHEDOP_", None),
    "memory_op": ("memory.h", "XENMEM_", r"(paging_op|access_op|sharing_op|resource)_"),
    "hvm_op": ("hvm/hvm_op.h", "HVMOP_", r"altp2m_"),
    "event_channel_op": ("event_channel.h", "EVTCHNOP_", None),
    "grant_table_op": ("grant_table.h", "GNTTABOP_", None),
    "vcpu_op": ("vcpu.h", "VCPUOP_", None),
}
byname = {h["name"]: h for h in table}
for hc, (hdr, prefix, excl) in subops.items():
    ours = {s["name"][len(prefix):]: s["op"] for s in byname[hc]["subops"]}
    compare(hdr, ours, defines(xen + "/" + hdr, prefix, excl))
# every hypercall with sub-ops is one of those checked above
for h in table:
    if h["subops"] and h["name"] not in subops and h["name"] != "sched_op_compat":
        bad.append("unchecked sub-ops of " + h["name"])
if bad:
    print("\n".join(bad)); sys.exit(1)
print("xen: %d hypercalls, %d sub-op tables match the headers" % (len(table), len(subops)))
EOF

# argument registers and the hypercall page stride, as the header says
grep -q '%rdi, %rsi, %rdx, %r10, %r8 (arguments 1-5)' \
  "$X/arch-x86/xen-x86_64.h" || fail "x86-64 convention comment changed"
"$HVX" hypercall list --xen | grep -q 'RDI RSI RDX R10 R8' ||
  fail "list --xen does not state the registers"
grep -q 'hypercall-number \* 32' "$X/arch-x86/xen-x86_64.h" ||
  fail "hypercall page stride changed"

# ---- KVM and Xen CPUID flag names against their headers ----------------
# One dump with every bit set in KVM's and Xen's feature registers: the
# names hvx gives each bit must be the header's, and no others.
{
  echo "0x00000001 0x00000000 0 0x80000000 0"
  echo "0x40000000 0x40000001 0x4b4d564b 0x564b4d56 0x0000004d"
  echo "0x40000001 0xffffffff 0 0 0xffffffff"
  echo "0x40000100 0x40000104 0x566e6558 0x65584d4d 0x4d4d566e"
  echo "0x40000101 0x00040011 0 0 0"
  echo "0x40000102 1 0x40000200 0 0"
  echo "0x40000104 0xffffffff 0 0 0"
} > "$T/flags.txt"
"$HVX" detect --output=json --cpuid-dump "$T/flags.txt" > "$T/flags.json"
python3 - "$T/flags.json" "$KVMPARA" "$X/arch-x86/cpuid.h" <<'EOF' || fail "CPUID flag names differ from the headers"
import json, re, sys
d = json.load(open(sys.argv[1]))
kvm = {}
for line in open(sys.argv[2]):
    m = re.match(r'#define\s+KVM_(FEATURE|HINTS)_([A-Z0-9_]+)\s+([0-9]+)\b', line)
    if m:
        kvm.setdefault(m.group(1), {})[int(m.group(3))] = m.group(2).lower()
xen = {}
for line in open(sys.argv[3]):
    m = re.match(r'#define\s+XEN_HVM_CPUID_([A-Z0-9_]+)\s+\(1u << ([0-9]+)\)', line)
    if m:
        xen[int(m.group(2))] = m.group(1).lower()
def check(what, names, header):
    expect = [header.get(b, "bit%d" % b) for b in range(32)]
    if names != expect:
        print(what, "hvx:", names, "\nheader:", expect); sys.exit(1)
check("kvm features", d["kvm"]["features"], kvm["FEATURE"])
check("kvm hints", d["kvm"]["hints"], kvm["HINTS"])
check("xen hvm", d["xen"]["hvm_features"], xen)
print("kvm: %d feature and %d hint names, xen: %d HVM flags match" %
      (len(kvm["FEATURE"]), len(kvm["HINTS"]), len(xen)))
EOF

# ---- Hyper-V call codes against the TLFS list ---------------------------
"$HVX" hypercall list --hyperv --output=json > "$T/hv.json"
python3 - "$T/hv.json" "$top_srcdir/tests/data/hypercall/tlfs-calls.txt" <<'EOF' || fail "Hyper-V table differs from the TLFS"
import json, sys
ours = {c["code"]: c for c in json.load(open(sys.argv[1]))}
tlfs = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip():
        continue
    code, cls, name = line.split()
    tlfs[int(code, 16)] = (cls, name)
bad = []
for code, (cls, name) in tlfs.items():
    c = ours.get(code)
    if not c:
        bad.append("TLFS 0x%04x %s missing" % (code, name)); continue
    if c["name"] != name:
        bad.append("0x%04x: TLFS %s, hvx %s" % (code, name, c["name"]))
    want = "simple" if cls == "variable" else cls
    if c["class"] != want:
        bad.append("0x%04x %s: TLFS %s, hvx %s" % (code, name, cls, c["class"]))
    if cls == "variable" and not c["variable_header"]:
        bad.append("0x%04x %s takes a variable header" % (code, name))
for code, c in ours.items():
    if code not in tlfs and not c["linux_only"]:
        bad.append("hvx 0x%04x %s is neither in the TLFS nor Linux-only" % (code, c["name"]))
if bad:
    print("\n".join(bad)); sys.exit(1)
print("hyperv: %d TLFS call codes match" % len(tlfs))
EOF

# ---- hvx hypercall decode ----------------------------------------------
cat > "$T/trace.txt" <<'EOF'
# a mixed trace
0x0000000500000003            # FlushVirtualAddressList, 5 reps
hv 0x0000000000010002 -> 0x0  # fast flush (XMM)
xen memory_op 0x6 0x7ffdf000
xen sched_op 0 0
EOF
"$HVX" hypercall decode "$T/trace.txt" > "$T/out" || fail "valid trace"
grep -q 'HvCallFlushVirtualAddressList (0x0003, rep)' "$T/out" ||
  fail "decode lacks the call name"
grep -q 'XENMEM_populate_physmap' "$T/out" || fail "decode lacks the sub-op"
"$HVX" hypercall decode --output=json - < "$T/trace.txt" > "$T/out.json"
python3 - "$T/out.json" <<'EOF' || fail "decode json"
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["line"] for r in d] == [2, 3, 4, 5], d
assert d[0]["call"] == "HvCallFlushVirtualAddressList" and d[0]["rep_count"] == 5
assert d[1]["fast"] is True and d[1]["result"]["status_name"] == "HV_STATUS_SUCCESS"
assert d[2]["args"][0] == {"register": "rdi", "value": "0x6"}
assert all(r["violations"] == [] for r in d)
EOF
# the same trace with XMM fast input unavailable, or on a Xen host
expect_rc 2 "$HVX" hypercall decode --no-xmm "$T/trace.txt"
grep -q 'fast-needs-xmm-input' "$T/out" || fail "no-xmm violation missing"
expect_rc 2 "$HVX" hypercall decode --xen-host "$T/trace.txt"
grep -q 'not-served-by-xen' "$T/out" || fail "xen-host violation missing"
printf 'xen set_trap_table 0\n' > "$T/pv.txt"
"$HVX" hypercall decode --xen-mode=pv "$T/pv.txt" >/dev/null ||
  fail "PV call in PV mode"
expect_rc 2 "$HVX" hypercall decode --xen-mode=hvm "$T/pv.txt"
grep -q 'not-for-this-guest-type' "$T/out" || fail "mode violation missing"

# every violation a line can have, named, with exit 2
cat > "$T/bad.txt" <<'EOF'
0x7777
0x0000000008000002
0x0000000100000002
0x0000000000000003
0x0001000100000003
0x0000000000020002
0x000000000001005c
hv 0x0000000100000003 0x0000000200000000
hv 0x2 0x10000
xen 11
xen 38 0
xen memory_op 6 0 0
xen memory_op
xen sched_op 99 0
EOF
expect_rc 2 "$HVX" hypercall decode "$T/bad.txt"
for v in unknown-call-code reserved-bits-set rep-on-simple-call \
         zero-rep-count rep-start-beyond-count variable-header-not-accepted \
         fast-not-possible reps-completed-beyond-count \
         result-reserved-bits-set unknown-hypercall removed-hypercall \
         extra-arguments missing-arguments unknown-sub-op; do
  grep -q "! $v:" "$T/out" || fail "violation $v not reported"
done

# syntax errors: named, exit 1, the other lines still decoded
printf '0x2\nfrob\n0x2 0x1 0x1\nxen nope\n%05000d\n0x2\n' 0 > "$T/err.txt"
expect_fail 1 "line 2: 'frob' is neither" "$HVX" hypercall decode "$T/err.txt"
grep -q "line 3: unexpected '0x1'" "$T/err" || fail "line 3 error"
grep -q "line 4: unknown Xen hypercall name 'nope'" "$T/err" ||
  fail "line 4 error"
grep -q "line 5: longer than 4095 bytes" "$T/err" || fail "long line error"
[ "$(grep -c HvCallFlushVirtualAddressSpace "$T/out")" = 2 ] ||
  fail "good lines around bad ones were not decoded"
printf '0x2\0\n' > "$T/nul.txt"
expect_fail 1 'NUL byte' "$HVX" hypercall decode "$T/nul.txt"
expect_fail 1 'No such file' "$HVX" hypercall decode "$T/missing.txt"
expect_fail 1 "unknown output format" "$HVX" hypercall decode --output=xml
expect_fail 1 "unknown subcommand 'frob'" "$HVX" hypercall frob
expect_fail 1 "one table at a time" "$HVX" hypercall list --xen --hyperv
"$HVX" hypercall list > /dev/null || fail "hypercall list"
for t in --hv-status --hv-msrs --hv-cpuid; do
  "$HVX" hypercall list $t --output=json | python3 -c 'import json,sys; assert json.load(sys.stdin)' ||
    fail "list $t json"
done

# ---- hvx enlightenments -------------------------------------------------
D=$top_srcdir/tests/data/cpuid
"$HVX" enlightenments --from cpuid --to qemu "$D/xen-viridian.txt" \
  > "$T/out" || fail "xen-viridian -> qemu should lose nothing"
head -n 3 "$T/out" | grep -q '^hv-relaxed,hv-vapic,hv-spinlocks=0xfff,' ||
  fail "qemu flags for Xen defaults"
set +e
"$HVX" enlightenments --output=json --from cpuid --to xl "$D/kvm-hv.txt" \
  > "$T/out.json"
rc=$?
set -e
[ $rc -eq 2 ] || fail "kvm-hv -> xl exit $rc, expected 2 (runtime, reset lost)"
python3 - "$T/out.json" <<'EOF' || fail "compat json"
import json, sys
r = json.load(open(sys.argv[1]))
missing = {i["feature"] for i in r["items"] if i["status"] == "missing"}
assert missing == {"vp-runtime", "reset", "synic-messages", "frequencies-edx"}, missing
assert r["target"]["config"].startswith('viridian = [ "base", "freq"'), r
assert r["target"]["viridian_mask"] & 1
EOF
printf 'viridian = [ "base", "stimer" ]\n' > "$T/xl.cfg"
"$HVX" enlightenments --from xl --to libvirt --file "$T/xl.cfg" |
  grep -q "<stimer state='on'/>" || fail "xl file -> libvirt"
"$HVX" enlightenments --table --output=json |
  python3 -c 'import json,sys; assert len(json.load(sys.stdin)) >= 30' ||
  fail "table json"
expect_fail 1 "unknown viridian enlightenment 'turbo'" \
  "$HVX" enlightenments --from xl 'viridian=["base","turbo"]'
expect_fail 1 "hv-stimer requires hv-synic" \
  "$HVX" enlightenments --from qemu --to xl hv-vpindex,hv-time,hv-stimer
expect_fail 1 "unknown --from vocabulary 'vmware'" \
  "$HVX" enlightenments --from vmware x
expect_fail 1 "unknown --to vocabulary 'cpuid'" \
  "$HVX" enlightenments --from hv --to cpuid synic
expect_fail 1 "no configuration given" "$HVX" enlightenments --from xl
expect_fail 1 "is neither" "$HVX" enlightenments --from cpuid "$T/xl.cfg"

# ---- the public headers from C++ ----------------------------------------
if command -v g++ >/dev/null 2>&1; then
  printf '#include <hvx.h>\nint main() { size_t n; return hvx_hv_calls(&n) ? 0 : 1; }\n' |
    g++ -fsyntax-only -Wall -Werror -x c++ -I"$top_srcdir/include" - ||
    fail "hvx.h does not compile as C++"
fi
echo "ok"
