#!/usr/bin/env python3
"""Convert an image file to the sparse fuzz input form and back.

  sparse.py pack IMAGE OUT      keep only the non-zero 512-byte sectors
  sparse.py vhdx IMAGE OUT      the same, after zeroing a VHDX's payload
                                blocks (all but the header section, the
                                log and the regions: metadata, BAT)
  sparse.py unpack INPUT OUT    expand a sparse input to the file it stands for

Form (read by fuzz-image.c): b"HVXSPARSE1", the file size (u64 LE),
then chunks of offset (u32 LE), length (u16 LE) and the bytes.
"""
import struct
import sys

MAGIC = b"HVXSPARSE1"
SECTOR = 512


def pack(data):
    out = bytearray(MAGIC + struct.pack("<Q", len(data)))
    start = None
    for off in range(0, len(data) + SECTOR, SECTOR):
        chunk = data[off:off + SECTOR]
        nonzero = any(chunk)
        if nonzero and start is None:
            start = off
        if start is not None and (not nonzero or off - start >= 65024):
            end = min(off, len(data))
            out += struct.pack("<IH", start, end - start) + data[start:end]
            start = off if nonzero else None
    return bytes(out)


def vhdx_metadata_only(data):
    """Zero all of a VHDX but the structures (from [MS-VHDX] 2.2)."""
    keep = [(0, 1 << 20)]
    for h in (64 << 10, 128 << 10):          # the two headers
        if data[h:h + 4] == b"head":
            log_len, log_off = struct.unpack_from("<IQ", data, h + 68)
            keep.append((log_off, log_len))
    for r in (192 << 10, 256 << 10):         # the two region tables
        if data[r:r + 4] != b"regi":
            continue
        count = struct.unpack_from("<I", data, r + 8)[0]
        for i in range(min(count, 2047)):
            off, length = struct.unpack_from("<QI", data, r + 16 + 32 * i + 16)
            keep.append((off, length))
    out = bytearray(len(data))
    for off, length in keep:
        out[off:off + length] = data[off:off + length]
    return bytes(out)


def unpack(data):
    if not data.startswith(MAGIC):
        return data
    size = struct.unpack_from("<Q", data, len(MAGIC))[0]
    out = bytearray(size)
    at = len(MAGIC) + 8
    while at + 6 <= len(data):
        off, n = struct.unpack_from("<IH", data, at)
        at += 6
        piece = data[at:at + n][:max(0, size - off)]
        out[off:off + len(piece)] = piece
        at += n
    return bytes(out)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack", "vhdx"):
        sys.exit(__doc__)
    src = open(sys.argv[2], "rb").read()
    if sys.argv[1] == "vhdx":
        res = pack(vhdx_metadata_only(src))
    else:
        res = pack(src) if sys.argv[1] == "pack" else unpack(src)
    open(sys.argv[3], "wb").write(res)
