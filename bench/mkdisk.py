#!/usr/bin/env python3
"""Write a realistic sparse raw test disk for the hvx benchmark.

usage: mkdisk.py FILE SIZE_MIB [SEED]

About half of the virtual size is allocated, in extents of 4 KiB to
32 MiB: incompressible data (as media or encrypted files), compressible
data (text-like, about 2:1 under deflate) and allocated runs of zeros
(as a zeroed swap or a freshly formatted area), with holes between them.
A stretch of small extents (4-64 KiB) imitates filesystem metadata.
The same size and seed always give the same disk.
"""
import os
import random
import sys

KIB, MIB = 1024, 1024 * 1024


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    path, size = sys.argv[1], int(sys.argv[2]) * MIB
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) == 4 else 1)
    # Letters with English-like frequencies: deflate gets about 2:1.
    alphabet = b"eeeeeeeeeeeettttttttaaaaaaaooooooiiiiiinnnnnnsssssshhhhhhrrrrrr" \
               b"dddllllcccuuummwwffggyyppbbvk         \n\n,.0123456789"
    table = bytes(alphabet[i % len(alphabet)] for i in range(256))
    counts = {"data": 0, "text": 0, "zero": 0, "hole": 0}
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, size)
    pos = 0
    meta_start, meta_end = size // 3, size // 3 + min(64 * MIB, size // 16)
    while pos < size:
        if meta_start <= pos < meta_end:
            n = rng.choice((4, 8, 16, 32, 64)) * KIB
        else:
            # log-uniform from 64 KiB to 32 MiB
            n = int(64 * KIB * 2 ** rng.uniform(0, 9)) // (4 * KIB) * 4 * KIB
        n = min(n, size - pos)
        kind = rng.choices(("hole", "data", "text", "zero"),
                           weights=(50, 20, 18, 12))[0]
        counts[kind] += n
        if kind != "hole":
            done = 0
            while done < n:
                m = min(8 * MIB, n - done)
                if kind == "data":
                    buf = rng.randbytes(m)
                elif kind == "text":
                    buf = rng.randbytes(m).translate(table)
                else:
                    buf = bytes(m)
                os.pwrite(fd, buf, pos + done)
                done += m
        pos += n
    os.close(fd)
    for k, v in counts.items():
        print("%-5s %6.0f MiB  %4.1f%%" % (k, v / MIB, 100.0 * v / size))


if __name__ == "__main__":
    main()
