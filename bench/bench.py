#!/usr/bin/env python3
"""hvx convert against qemu-img convert and the machine's copy floor.

usage: bench.py [options]        (see --help; run from anywhere)

Makes a realistic sparse test disk (several GiB virtual, about half
allocated: incompressible data, compressible data, allocated zeros, holes
between), makes it in raw, qcow2, vhd and vhdx with qemu-img, then for
every source/target pair times hvx convert, qemu-img convert and
qemu-img convert -m 16 -W alternately, several rounds, warm and cold
source cache, and prints median times, ratios, output sizes and hvx's peak
RSS.  The floor is the fastest sparse-aware copy of the same data on the
same machine in the same run: qemu-img convert -C (copy offload) and
cp --sparse=always, raw to raw.  Every hvx output is checked with
qemu-img compare.  Not part of the test suite.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3
FORMATS = ("raw", "qcow2", "vhd", "vhdx")
QEMU_FMT = {"raw": "raw", "qcow2": "qcow2", "vhd": "vpc", "vhdx": "vhdx"}
# Same-shaped outputs from both tools: dynamic VHD of the exact size.
QEMU_OPTS = {"vhd": ["-o", "subformat=dynamic,force_size=on"]}


def text_pool(rng, n):
    """N bytes of text-like data: Zipf-distributed words from a made-up
    vocabulary, with numbers and line breaks (deflate: about 3:1)."""
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    lweights = [12, 9, 8, 7.5, 7, 6.7, 6.3, 6, 5.9, 4.3, 4, 2.8, 2.8, 2.4,
                2.4, 2.2, 2, 2, 1.9, 1.5, 1, 0.8, 0.2, 0.2, 0.1, 0.1]
    vocab = ["".join(rng.choices(letters, lweights, k=rng.randint(1, 10)))
             for _ in range(4000)] + ["%d" % i for i in range(200)] + ["\n"]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    words = rng.choices(vocab, weights, k=n // 5)
    return (" ".join(words).encode() * 2)[:n]


def make_disk(path, size, seed):
    """Write the raw master disk; return its zero extents and totals."""
    rng = random.Random(seed)
    pool = text_pool(rng, 16 * MIB)
    totals = {"data": 0, "text": 0, "zero": 0, "hole": 0}
    zeros = []
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, size)
    # A stretch of small extents, like filesystem metadata.
    meta = (size // 3, size // 3 + min(64 * MIB, size // 16))
    pos = 0
    while pos < size:
        if meta[0] <= pos < meta[1]:
            n = rng.choice((4, 8, 16, 32, 64)) * KIB
        else:  # log-uniform, 64 KiB to 32 MiB
            n = int(64 * KIB * 2 ** rng.uniform(0, 9)) // (4 * KIB) * 4 * KIB
        n = min(n, size - pos)
        kind = rng.choices(("hole", "data", "text", "zero"),
                           weights=(50, 20, 18, 12))[0]
        totals[kind] += n
        if kind == "zero":
            zeros.append((pos, n))
        for at in range(0, n if kind != "hole" else 0, 8 * MIB):
            m = min(8 * MIB, n - at)
            if kind == "data":
                buf = rng.randbytes(m)
            elif kind == "text":  # pool pieces from anywhere: no long repeats
                buf = b"".join(pool[o:o + 64 * KIB] for o in
                               (rng.randrange(len(pool) - 64 * KIB)
                                for _ in range(0, m, 64 * KIB)))[:m]
            else:
                buf = bytes(m)
            os.pwrite(fd, buf, pos + at)
        pos += n
    os.close(fd)
    return zeros, totals


def make_formats(d, master, zeros):
    """The master in every format; allocated zeros stay allocated."""
    srcs = {"raw": master}
    for f in FORMATS[1:]:
        out = os.path.join(d, "src." + f)
        run(["qemu-img", "convert", "-f", "raw", "-O", QEMU_FMT[f]] +
            QEMU_OPTS.get(f, []) + [master, out])
        # qemu-img drops zero data; write it back as allocated zeros.
        cmds = []
        for off, n in zeros:
            cmds += ["-c", "write -P 0 %d %d" % (off, n)]
        for i in range(0, len(cmds), 400):
            run(["qemu-io", "-f", QEMU_FMT[f]] + cmds[i:i + 400] + [out],
                quiet=True)
        srcs[f] = out
    return srcs


def run(cmd, quiet=False):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL if quiet else None)
    if r.returncode != 0:
        sys.exit("bench: failed: %s" % " ".join(cmd))


def allocated(path):
    return os.stat(path).st_blocks * 512


HELPER = None  # bench/runstat.c, compiled into the work directory


def build_helper(d):
    global HELPER
    HELPER = os.path.join(d, "runstat")
    run(["cc", "-O2", "-o", HELPER,
         os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "runstat.c")])


def drop_cache(path, method):
    if method == "global":
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    else:
        run([HELPER, "drop", path])


def warm_cache(path):
    with open(path, "rb") as f:
        while f.readinto(WARM_BUF):
            pass


WARM_BUF = bytearray(8 * MIB)


def timed(cmd, out, sync):
    """Run CMD; return (seconds, peak RSS in KiB), including an
    fdatasync of OUT when SYNC."""
    rssfile = out + ".rss"
    t0 = time.monotonic()
    r = subprocess.run([HELPER, "run", rssfile] + cmd,
                       stdout=subprocess.DEVNULL)
    if sync and os.path.exists(out):
        fd = os.open(out, os.O_RDONLY)
        os.fdatasync(fd)
        os.close(fd)
    t = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("bench: failed: %s" % " ".join(cmd))
    with open(rssfile) as f:
        rss = int(f.read())
    os.unlink(rssfile)
    return t, rss


class Bench:
    def __init__(self, a, srcs, d):
        self.a, self.srcs, self.d = a, srcs, d
        self.times = {}  # (cache, name) -> [seconds]
        self.rss = {}
        self.size = {}

    def measure(self, cache, name, cmd, src, out):
        if os.path.exists(out):
            os.unlink(out)  # drop the destination
        if self.a.drop == "global":
            # Every run starts with free memory: otherwise a run pays to
            # reclaim whatever earlier runs (or others) left cached, at
            # random.  Warm runs then read their source back in.
            drop_cache(src, "global")
        elif cache == "cold":
            drop_cache(src, self.a.drop)
        if cache == "warm":
            warm_cache(src)
        t, rss = timed(cmd, out, not self.a.no_sync)
        self.times.setdefault((cache, name), []).append(t)
        self.rss[name] = max(self.rss.get(name, 0), rss)
        self.size[name] = allocated(out)

    def med(self, cache, name):
        return statistics.median(self.times[(cache, name)])


def resolve_hvx(path):
    """The real hvx binary behind a libtool wrapper script (build/hvx in
    an uninstalled build tree is a shell script that sets the library
    path and execs .libs/hvx): starting that shell cost 40-50 ms per run
    on a cold cache, 10 % of a 1 GiB conversion, so run the binary
    directly with the library path set as the wrapper would."""
    real = shutil.which(path) or path
    try:
        with open(real, "rb") as f:
            head = f.read(4096)
    except OSError:
        return path
    if not head.startswith(b"#!") or b"libtool" not in head:
        return path
    libs = os.path.join(os.path.dirname(os.path.abspath(real)), ".libs")
    binary = os.path.join(libs, os.path.basename(real))
    if not os.access(binary, os.X_OK):
        return path
    os.environ["LD_LIBRARY_PATH"] = libs + (
        ":" + os.environ["LD_LIBRARY_PATH"]
        if os.environ.get("LD_LIBRARY_PATH") else "")
    return binary


def hvx_cmd(a, sf, df, src, out, extra=()):
    cmd = [a.hvx, "convert", "-f", sf, "-O", df] + list(extra)
    if a.threads:
        cmd += ["-m", str(a.threads)]
    if a.no_sync:
        cmd.append("--no-sync")
    return cmd + [src, out]


def qemu_cmd(sf, df, src, out, extra=()):
    return (["qemu-img", "convert", "-f", QEMU_FMT[sf], "-O", QEMU_FMT[df]] +
            QEMU_OPTS.get(df, []) + list(extra) + [src, out])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="4G",
                    help="virtual disk size (default 4G; suffix M or G)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None,
                    help="work directory (default: a new one in /var/tmp)")
    ap.add_argument("--hvx", default=shutil.which("hvx") or "hvx")
    ap.add_argument("--threads", type=int, default=0,
                    help="hvx -m (default: hvx chooses)")
    ap.add_argument("--cache", default="warm,cold")
    ap.add_argument("--drop", choices=("auto", "global", "fadvise"),
                    default="auto", help="how to drop the source from the "
                    "page cache for cold runs (auto: drop_caches if "
                    "allowed, else posix_fadvise DONTNEED)")
    ap.add_argument("--pairs", default="all",
                    help="comma list like raw:qcow2,vhd:raw (default all)")
    ap.add_argument("--compress-from", default="raw",
                    help="sources for the -c (compressed qcow2) rows, "
                    "comma list or 'none'")
    ap.add_argument("--no-digest", action="store_true",
                    help="skip the hvx --digest sha256 runs")
    ap.add_argument("--no-sync", action="store_true",
                    help="time to page cache: hvx --no-sync, no fdatasync "
                    "of any output (default: every time includes making "
                    "the output durable)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.hvx = resolve_hvx(a.hvx)
    size = int(a.size[:-1]) * (GIB if a.size[-1] in "gG" else MIB) \
        if a.size[-1] in "gGmM" else int(a.size)
    if a.drop == "auto":
        try:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("1\n")
            a.drop = "global"
        except OSError:
            a.drop = "fadvise"
    d = a.dir or __import__("tempfile").mkdtemp(prefix="hvx-bench-",
                                                  dir="/var/tmp")
    os.makedirs(d, exist_ok=True)
    print("bench: work directory %s" % d, flush=True)
    build_helper(d)
    master = os.path.join(d, "src.raw")
    stamp = os.path.join(d, "disk-%d.ok" % size)
    if os.path.exists(stamp):  # --dir with a disk of this size made
        with open(stamp) as f:
            zeros, totals = json.load(f)
        srcs = dict((f, os.path.join(d, "src." + f)) for f in FORMATS)
    else:
        print("bench: making the test disk", flush=True)
        zeros, totals = make_disk(master, size, 1)
        srcs = make_formats(d, master, zeros)
        with open(stamp, "w") as f:
            json.dump([zeros, totals], f)
    b = Bench(a, srcs, d)
    caches = [c for c in a.cache.split(",") if c]
    if a.pairs == "all":
        pairs = [(s, t) for s in FORMATS for t in FORMATS]
    else:
        pairs = [tuple(p.split(":")) for p in a.pairs.split(",")]
    csrcs = [] if a.compress_from == "none" else a.compress_from.split(",")

    for r in range(a.rounds):
        for cache in caches:
            print("bench: round %d/%d, %s cache" % (r + 1, a.rounds, cache),
                  flush=True)
            out = os.path.join(d, "out")
            b.measure(cache, "floor-qemu-C",
                      ["qemu-img", "convert", "-C", "-f", "raw", "-O", "raw",
                       master, out + ".raw"], master, out + ".raw")
            b.measure(cache, "floor-cp",
                      ["cp", "--sparse=always", master, out + ".raw"],
                      master, out + ".raw")
            for s, t in pairs:
                src, o = srcs[s], "%s-%s.%s" % (out, s, t)
                b.measure(cache, ("hvx", s, t), hvx_cmd(a, s, t, src, o),
                          src, o)
                if r == 0 and cache == caches[0]:
                    check(a, s, t, src, o)
                b.measure(cache, ("qemu", s, t), qemu_cmd(s, t, src, o),
                          src, o)
                b.measure(cache, ("qemuW", s, t),
                          qemu_cmd(s, t, src, o, ["-m", "16", "-W"]), src, o)
                if not a.no_digest:
                    b.measure(cache, ("hvxdig", s, t),
                              hvx_cmd(a, s, t, src, o,
                                      ["--digest", "sha256"]), src, o)
            for s in csrcs:
                src, o = srcs[s], "%s-%s.c.qcow2" % (out, s)
                b.measure(cache, ("hvx-c", s), hvx_cmd(a, s, "qcow2", src, o,
                                                       ["-c"]), src, o)
                if r == 0 and cache == caches[0]:
                    check(a, s, "qcow2", src, o)
                b.measure(cache, ("qemu-c", s),
                          qemu_cmd(s, "qcow2", src, o, ["-c"]), src, o)
                b.measure(cache, ("qemuW-c", s),
                          qemu_cmd(s, "qcow2", src, o, ["-c", "-m", "16",
                                                        "-W"]), src, o)
    report(a, b, size, totals, caches, pairs, csrcs)
    if not a.keep and not a.dir:
        shutil.rmtree(d)


def check(a, s, t, src, out):
    r = subprocess.run(["qemu-img", "compare", "-f", QEMU_FMT[s], "-F",
                        QEMU_FMT[t], src, out], stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit("bench: qemu-img compare: hvx output %s differs from %s" %
                 (out, src))


def report(a, b, size, totals, caches, pairs, csrcs):
    mib = lambda x: x / MIB
    print()
    print("hvx %s vs %s, %d CPUs, %d rounds (median), disk %d MiB virtual:" % (
        subprocess.run([a.hvx, "--version"], capture_output=True,
                       text=True).stdout.strip(),
        subprocess.run(["qemu-img", "--version"], capture_output=True,
                       text=True).stdout.split("\n")[0],
        os.cpu_count(), a.rounds, mib(size)))
    print("  %d MiB incompressible, %d MiB compressible, %d MiB allocated "
          "zeros, %d MiB holes" % tuple(mib(totals[k]) for k in
                                       ("data", "text", "zero", "hole")))
    print("  times: %s; destination deleted before every run" % (
        "to page cache (hvx --no-sync, no fdatasync)" if a.no_sync else
        "to durable output (each tool's run plus an fdatasync of its "
        "output; hvx syncs before renaming)"))
    if a.drop == "global":
        print("  page cache emptied before every run (sync; echo 3 > "
              "/proc/sys/vm/drop_caches), then for warm runs the source "
              "read back in")
    else:
        print("  cold runs: source dropped from the page cache before each "
              "run by posix_fadvise(POSIX_FADV_DONTNEED) (drop_caches not "
              "allowed or not asked for)")
    print("  hvx threads: %s; hvx binary: %s" % (a.threads or "default", a.hvx))
    ok = True
    for cache in caches:
        fq, fc = b.med(cache, "floor-qemu-C"), b.med(cache, "floor-cp")
        floor = min(fq, fc)
        print()
        print("%s cache (source %s): floor %.2f s (qemu-img convert -C %.2f "
              "s, cp --sparse=always %.2f s)" % (
                  cache, "in page cache" if cache == "warm" else
                  "not cached", floor, fq, fc))
        hdr = ("%-6s %-6s %7s %6s %7s %6s %6s %8s %6s %7s %7s %6s" %
               ("src", "dst", "hvx s", "xfloor", "qemu s", "xfloor",
                "q/hvx", "qemu-W s", "qW/hvx", "hvx MiB", "qemuMiB",
                "RSS"))
        if not a.no_digest:
            hdr += " %8s" % "digest+"
        print(hdr)
        for s, t in pairs:
            h, q, w = (b.med(cache, (k, s, t)) for k in
                       ("hvx", "qemu", "qemuW"))
            line = ("%-6s %-6s %7.2f %6.2f %7.2f %6.2f %6.2f %8.2f %6.2f "
                    "%7.0f %7.0f %6.1f" % (
                        s, t, h, h / floor, q, q / floor, q / h, w, w / h,
                        mib(b.size[("hvx", s, t)]),
                        mib(b.size[("qemu", s, t)]),
                        b.rss[("hvx", s, t)] / 1024))
            if not a.no_digest:
                line += " %7.0f%%" % (100 * (b.med(cache, ("hvxdig", s, t))
                                              / h - 1))
            flags = []
            if h > 1.25 * floor:
                flags.append("floor")
            if h > q or h > w:
                flags.append("slower")
            if q > 1.5 * floor and q / h < 1.5:
                flags.append("<1.5x")
            if b.size[("hvx", s, t)] > b.size[("qemu", s, t)]:
                flags.append("larger")
            if b.rss[("hvx", s, t)] > 64 * 1024:
                flags.append("rss")
            ok = ok and not flags
            print(line + ("  MISSED: " + ",".join(flags) if flags else ""))
        for s in csrcs:
            h, q, w = (b.med(cache, (k, s)) for k in
                       ("hvx-c", "qemu-c", "qemuW-c"))
            flags = []
            if q / h < 1.8:
                flags.append("<1.8x")
            if b.size[("hvx-c", s)] > b.size[("qemu-c", s)]:
                flags.append("larger")
            if b.rss[("hvx-c", s)] > 64 * 1024:
                flags.append("rss")
            ok = ok and not flags
            print("%-6s %-6s %7.2f %6.2f %7.2f %6.2f %6.2f %8.2f %6.2f "
                  "%7.0f %7.0f %6.1f%s" % (
                      s, "qcow2c", h, h / floor, q, q / floor, q / h, w,
                      w / h, mib(b.size[("hvx-c", s)]),
                      mib(b.size[("qemu-c", s)]), b.rss[("hvx-c", s)] / 1024,
                      "  MISSED: " + ",".join(flags) if flags else ""))
    print()
    print("columns: xfloor = time / floor; q/hvx, qW/hvx = qemu-img (default, "
          "-m 16 -W) time / hvx time; MiB = allocated output size; RSS = hvx "
          "peak MiB; digest+ = extra time of hvx --digest sha256")
    print("targets: hvx <= 1.25x floor, not slower than either qemu-img, "
          ">= 1.5x faster where qemu-img > 1.5x floor, -c >= 1.8x faster, "
          "output <= qemu-img's, RSS <= 64 MiB: %s" % (
              "all met" if ok else "some MISSED (marked)"))


if __name__ == "__main__":
    main()
