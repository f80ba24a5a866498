#!/bin/bash
# Regenerate the committed seed corpus of the image targets,
# tests/fuzz/corpus/FORMAT/: small valid images of every subformat, made
# by qemu-img (not by hvx, so the seeds do not share hvx's own blind
# spots), plus the public VHDX samples of tests/fixtures/.  Images whose
# structures lie megabytes apart are stored in the sparse input form
# (sparse.py), once as they are and once with their checksums recomputed
# by the harness (*.crc).  Run by hand; commit the result.
#
#   make-corpus.sh [TARGET...]     default: qcow2 vhd vhdx convert xenstore
#
# "xenstore": listings (as `xenstore-ls -f` prints them) of the tree the
# interop test serves, tests/fixtures/xenstore-tree.json: the whole tree,
# each domain's part (one per domain, some malformed on purpose), and
# the same in the other spellings the reader takes.
#
# "convert" (the conversion and write oracle, fuzz-convert.h) gets one
# small image of each format from an 8 KiB source, so that each input
# is converted five times quickly.
#
# The text parsers' seeds (corpus/xl, hyperv-xml, ovf, trace, cpuid,
# enl, vbd, options) are copies of the test fixtures and hand-written lines, see
# tests/fuzz/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
[ $# -gt 0 ] || set -- qcow2 vhd vhdx convert xenstore

# 64 KiB of mixed content
head -c 16384 /dev/urandom > "$t/src.raw"
{ yes seed || true; } | head -c 16384 >> "$t/src.raw"
head -c 16384 /dev/zero >> "$t/src.raw"
truncate -s 64K "$t/src.raw"

mk() { # FORMAT NAME qemu-img-convert-args...
  local fmt=$1 name=$2; shift 2
  mkdir -p "$here/corpus/$fmt"
  qemu-img convert -q -f raw "$@" "$t/src.raw" "$here/corpus/$fmt/$name"
}
# the same, stored sparse: MODE is pack or vhdx (sparse.py)
mk_sparse() { # MODE FORMAT NAME qemu-img-convert-args...
  local mode=$1 fmt=$2 name=$3; shift 3
  mkdir -p "$here/corpus/$fmt"
  qemu-img convert -q -f raw "$@" "$t/src.raw" "$t/img"
  python3 "$here/sparse.py" "$mode" "$t/img" "$here/corpus/$fmt/$name"
}
for fmt in "$@"; do
  case $fmt in
  qcow2)
    mk qcow2 v3-512.qcow2 -O qcow2 -o cluster_size=512
    mk qcow2 v2-512.qcow2 -O qcow2 -o cluster_size=512,compat=0.10
    mk qcow2 v3-512-compressed.qcow2 -O qcow2 -c -o cluster_size=512
    mk qcow2 v3-4k-refcount1.qcow2 -O qcow2 -o cluster_size=4096,refcount_bits=1
    qemu-img create -q -f qcow2 -o cluster_size=512 "$here/corpus/qcow2/empty.qcow2" 1M
    ;;
  vhd)
    mk_sparse pack vhd dynamic.vhd -O vpc -o subformat=dynamic
    mk vhd fixed.vhd -O vpc -o subformat=fixed
    python3 "$here/sparse.py" pack "$here/corpus/vhd/fixed.vhd" "$t/fixed.sp"
    { printf HVXSPARSEC; tail -c +11 "$t/fixed.sp"; } > "$here/corpus/vhd/fixed.vhd.crc"
    ;;
  vhdx)
    mk_sparse pack vhdx dynamic.vhdx -O vhdx -o subformat=dynamic,block_size=1M,log_size=1M
    mk_sparse pack vhdx fixed.vhdx -O vhdx -o subformat=fixed,log_size=1M
    # Hyper-V's, Disk2VHD's and a dirty log to replay: payload zeroed
    for f in iotest-dirtylog-10G-4M iotest-dynamic-1G test-disk2vhd; do
      bzip2 -dc "$here/../fixtures/$f.vhdx.bz2" > "$t/img"
      python3 "$here/sparse.py" vhdx "$t/img" "$here/corpus/vhdx/$f.vhdx"
    done
    ;;
  convert)
    head -c 4096 /dev/urandom > "$t/small.raw"
    head -c 4096 /dev/zero >> "$t/small.raw"
    mkdir -p "$here/corpus/convert"
    for spec in qcow2:-o:cluster_size=512 qcow2c:-c:-o:cluster_size=512 \
                vhd:-O:vpc:-o:subformat=dynamic \
                vhd-fixed:-O:vpc:-o:subformat=fixed \
                vhdx:-O:vhdx:-o:subformat=dynamic,block_size=1M,log_size=1M; do
      name=${spec%%:*}
      IFS=: read -r -a args <<< "${spec#*:}"
      case $name in qcow2*) args=(-O qcow2 "${args[@]}") ;; esac
      qemu-img convert -q -f raw "${args[@]}" "$t/small.raw" "$t/img"
      case $name in
      vhd*) python3 "$here/sparse.py" pack "$t/img" "$here/corpus/convert/$name" ;;
      *) cp "$t/img" "$here/corpus/convert/$name" ;;
      esac
    done
    head -c 1024 /dev/urandom > "$here/corpus/convert/raw"
    ;;
  xenstore)
    mkdir -p "$here/corpus/xenstore"
    python3 - "$here/../fixtures/xenstore-tree.json" "$here/corpus/xenstore" <<'PY'
import json, re, sys
tree = json.load(open(sys.argv[1]))
out = sys.argv[2]
def quote(v):
    s = ""
    for ch in v:
        if ch in '\\"':
            s += "\\" + ch
        elif " " <= ch <= "~":
            s += ch
        else:
            s += "\\%03o" % ord(ch)
    return '"' + s + '"'
def write(name, paths, form="quoted"):
    with open("%s/%s" % (out, name), "w") as f:
        for p in sorted(paths):
            if form == "plain":
                f.write("%s = %s\n" % (p, tree[p]))
            elif form == "perms":
                f.write("%s = %s  (n0,r5)\n" % (p, quote(tree[p])))
            else:
                f.write("%s = %s\n" % (p, quote(tree[p])))
write("all", tree)
doms = sorted({int(m.group(1)) for p in tree
               for m in [re.match(r"/local/domain/(\d+)/", p)] if m})
for d in doms:
    mine = [p for p in tree
            if re.match(r"/local/domain/%d/|/libxl/%d/|/local/domain/\d+/"
                        r"backend/[^/]+/%d/" % (d, d, d), p)]
    write("dom%d" % d, mine)
dom5 = [p for p in tree if "/5/" in p]
write("dom5-plain", dom5, "plain")
write("dom5-perms", dom5, "perms")
PY
    ;;
  *) echo "make-corpus: no recipe for $fmt" >&2; exit 1 ;;
  esac
  # a copy of each sparse seed whose checksums the harness recomputes
  # after each mutation ("HVXSPARSEC", fuzz-image.c)
  for f in "$here/corpus/$fmt"/*; do
    case $f in *.crc) continue ;; esac
    head -c 10 "$f" | grep -q HVXSPARSE1 || continue
    { printf HVXSPARSEC; tail -c +11 "$f"; } > "$f.crc"
  done
done
ls -la "$here"/corpus/*
