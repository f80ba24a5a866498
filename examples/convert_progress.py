#!/usr/bin/env python3
"""Example: convert a disk image, showing progress, and print the
SHA-256 of its content.

    python3 convert_progress.py SRC DST FORMAT
"""

import sys

import hvx


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: convert_progress.py SRC DST FORMAT", file=sys.stderr)
        return 2
    src, dst, fmt = sys.argv[1:]
    last = -1

    # May be called from libhvx's threads.  Raising an exception here
    # would cancel the conversion and re-raise it from convert().
    def progress(done: int, total: int) -> None:
        nonlocal last
        pct = done * 100 // total if total else 100
        # the first report, then every 10%, and 100% once
        if (last < 0 or pct // 10 != last // 10
                or (pct == 100 and last != 100)):
            print(f"progress {pct:3d}%", file=sys.stderr)
            last = pct

    try:
        digest = hvx.convert(src, dst, format=fmt, digest="sha256",
                             progress=progress)
    except hvx.Error as e:
        print(f"convert_progress.py: {e}", file=sys.stderr)
        return 1
    print(f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
