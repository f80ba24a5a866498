#!/bin/bash
# Regenerate the committed seed corpus, tests/fuzz/corpus/FORMAT/: small
# valid images of every subformat, made by qemu-img (not by hvx, so the
# seeds do not share hvx's own blind spots).  Run by hand; commit the result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT

# 64 KiB of mixed content
head -c 16384 /dev/urandom > "$t/src.raw"
yes seed | head -c 16384 >> "$t/src.raw" || true
head -c 16384 /dev/zero >> "$t/src.raw"
truncate -s 64K "$t/src.raw"

mk() { # FORMAT NAME qemu-img-convert-args...
  local fmt=$1 name=$2; shift 2
  mkdir -p "$here/corpus/$fmt"
  qemu-img convert -q -f raw "$@" "$t/src.raw" "$here/corpus/$fmt/$name"
}
mk qcow2 v3-512.qcow2 -O qcow2 -o cluster_size=512
mk qcow2 v2-512.qcow2 -O qcow2 -o cluster_size=512,compat=0.10
mk qcow2 v3-512-compressed.qcow2 -O qcow2 -c -o cluster_size=512
mk qcow2 v3-4k-refcount1.qcow2 -O qcow2 -o cluster_size=4096,refcount_bits=1
qemu-img create -q -f qcow2 -o cluster_size=512 "$here/corpus/qcow2/empty.qcow2" 1M
if qemu-img --help | grep -q ' vpc '; then
  mk vhd dynamic.vhd -O vpc -o subformat=dynamic
  mk vhd fixed.vhd -O vpc -o subformat=fixed
fi
ls -la "$here"/corpus/*
