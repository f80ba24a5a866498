#!/usr/bin/env python3
"""Example: open a disk image and print what libhvx knows about it.

    python3 image_info.py FILE
"""

import sys

import hvx


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: image_info.py FILE", file=sys.stderr)
        return 2
    try:
        with hvx.Image.open(sys.argv[1]) as img:  # format probed
            info = img.info()
            result = img.check()
    except hvx.Error as e:  # the message names the file and the problem
        print(f"image_info.py: {e}", file=sys.stderr)
        return 1
    for key, value in info.properties.items():
        print(f"{key:<16} {value}")
    if result.clean:
        print(f"{'check':<16} clean")
    else:
        print(f"{'check':<16} {len(result.problems)} problem(s)")
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main())
