#!/bin/sh
# hvx reads a running domain from xenstore through the real libxenstore,
# talking the xs_wire protocol to a test daemon on a Unix socket
# (tests/xenstored-test.py) instead of xenstored on a Xen host.
. "${top_srcdir:-.}/tests/lib.sh"
require python3
if "$HVX" vm xenstore 0 2>&1 | grep -q "built without"; then
  echo "SKIP: hvx built without the Xen libraries"
  exit 77
fi

SRV="$top_srcdir/tests/xenstored-test.py"
TREE="$top_srcdir/tests/fixtures/xenstore-tree.json"
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# start_server SOCKET [OPTIONS]: run a daemon and wait for its socket.
start_server() {
  sock=$1
  shift
  python3 "$SRV" "$sock" "$TREE" "$@" &
  PIDS="$PIDS $!"
  i=0
  while [ ! -S "$sock" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "test xenstored did not start"
    sleep 0.05
  done
}

start_server "$T/xs.sock" --log "$T/xs.log"
export XENSTORED_PATH="$T/xs.sock"

"$HVX" vm xenstore --output=json 5 > "$T/dom5.json"
python3 - "$T/dom5.json" <<'PY' || fail "domain 5 read wrongly"
import json, sys
d = json.load(open(sys.argv[1]))
vm, report = d["vm"], d["report"]
def eq(a, b, what):
    if a != b:
        sys.exit("%s: %r != %r" % (what, a, b))
eq(vm["name"], "web01", "name")
eq(vm["uuid"], "6a0f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "uuid")
eq(vm["guest_type"], "hvm", "type")
eq(vm["vcpus"], 2, "online vcpus")
eq(vm["max_vcpus"], 4, "vcpus")
eq(vm["memory"], 2048 << 20, "memory target")
eq(vm["max_memory"], 4096 << 20, "static-max")
disks = vm["disks"]
eq([x["name"] for x in disks], ["hdc", "xvda", "xvdq"], "disk order")
hdc, xvda, xvdq = disks
eq((hdc["bus"], hdc["controller"], hdc["slot"]), ("ide", 1, 0), "hdc")
eq((hdc["cdrom"], hdc["readonly"], hdc["path"], hdc["format"]),
   (True, True, "/srv/iso/install.iso", "raw"), "hdc image")
eq((xvda["path"], xvda["format"], xvda["readonly"]),
   ("/dev/vg/web01", "raw", False), "xvda")
eq(xvda["extras"]["xl.backendtype"], "phy", "xvda backend")
eq(xvda["extras"]["xs.state"], "4 (Connected)", "xvda state")
eq((xvdq["slot"], xvdq["path"], xvdq["format"], xvdq["readonly"]),
   (16, "/srv/img/data.qcow2", "qcow2", True), "xvdq")
eq(xvdq["extras"]["xs.state"], "3 (Initialised)", "xvdq state")
nic = vm["nics"][0]
eq((nic["mac"], nic["network"]), ("00:16:3e:12:34:56", "xenbr0"), "vif")
eq(nic["extras"]["xl.script"], "/etc/xen/scripts/vif-bridge", "script")
warn = [r for r in report if r["severity"] == "warning"]
eq([r["subject"] for r in warn], ["disk xvdq"], "warnings")
PY

# The whole read happens in one transaction, as a consistent snapshot.
head -1 "$T/xs.log" | grep -q '^6 ' || fail "no transaction start first"

# To xl.cfg: libxlutil (through hvx vm show) must read the result back.
"$HVX" vm xenstore --to xl -o "$T/dom5.cfg" 5 2> "$T/dom5.report"
grep -q "xs.backend" "$T/dom5.report" ||
  fail "runtime extras not reported when writing xl"
"$HVX" vm show --from xl --output=json "$T/dom5.cfg" > "$T/dom5-back.json"
python3 - "$T/dom5.json" "$T/dom5-back.json" <<'PY' || fail "xl round trip"
import json, sys
a = json.load(open(sys.argv[1]))["vm"]
b = json.load(open(sys.argv[2]))["vm"]
for k in ("name", "uuid", "vcpus", "max_vcpus", "memory", "max_memory"):
    assert a[k] == b[k], k
for x, y in zip(a["disks"], b["disks"]):
    for k in ("name", "path", "format", "bus", "slot", "readonly", "cdrom"):
        assert x[k] == y[k], (k, x[k], y[k])
assert a["nics"][0]["mac"] == b["nics"][0]["mac"]
PY

# Bad or missing entries: clear errors, no crash.
expect_fail 1 "no domain 6" "$HVX" vm xenstore 6
expect_fail 1 "backend is '/etc/passwd', not /local/domain/N/backend/vbd/7/" \
  "$HVX" vm xenstore 7
expect_fail 1 "device/vbd/xvda: not a device number" "$HVX" vm xenstore 8
expect_fail 1 "vif/0/state is 'connected', not a number" "$HVX" vm xenstore 9
expect_fail 1 "memory/target is '-1', not a number" "$HVX" vm xenstore 10
expect_fail 1 "MAC ff:ff:ff:ff:ff:ff is a multicast" "$HVX" vm xenstore 11
expect_fail 1 "not a domain id" "$HVX" vm xenstore 99999

# No daemon: the socket libxenstore tried is named.
expect_fail 1 "cannot reach xenstored \(socket $T/none.sock" \
  env XENSTORED_PATH="$T/none.sock" "$HVX" vm xenstore 5

# libxenstore's default socket is $XENSTORED_RUNDIR/socket.
mkdir "$T/run"
start_server "$T/run/socket"
env -u XENSTORED_PATH XENSTORED_RUNDIR="$T/run" "$HVX" vm xenstore 5 |
  grep -q "^name: *web01" || fail "XENSTORED_RUNDIR not honoured"

# A daemon that hangs up half-way: an error, not a hang.
start_server "$T/hangup.sock" --hangup-after 4
expect_fail 1 "xenstore: (reading|listing) " \
  env XENSTORED_PATH="$T/hangup.sock" timeout 20 "$HVX" vm xenstore 5

# Domain facts need the hypervisor: without one, a clear ENOTSUP.
if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
  expect_fail 1 "not running on a Xen host" "$HVX" vm xenstore --hypervisor 5
fi
echo "ok"
