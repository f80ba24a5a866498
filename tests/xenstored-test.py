#!/usr/bin/env python3
"""A xenstore daemon for tests: the wire protocol of Xen's
xen/io/xs_wire.h over a Unix socket, serving a fixed tree.

libxenstore connects to it exactly as to xenstored on a Xen host (its
xs_open() tries the socket XENSTORED_PATH names, else
$XENSTORED_RUNDIR/socket, before the xenbus device), so hvx's xenstore
reader runs unchanged against it.

  xenstored-test.py SOCKET TREE.json [--log FILE] [--hangup-after N]

TREE.json maps absolute paths to values; parent directories exist
implicitly.  Implemented: DIRECTORY, DIRECTORY_PART, READ, GET_PERMS,
TRANSACTION_START/END, WRITE, MKDIR, RM; anything else is ENOSYS.
"""
import json
import os
import socket
import struct
import sys
import threading

# enum xsd_sockmsg_type (xen/io/xs_wire.h)
XS_CONTROL, XS_DIRECTORY, XS_READ, XS_GET_PERMS = 0, 1, 2, 3
XS_TRANSACTION_START, XS_TRANSACTION_END = 6, 7
XS_WRITE, XS_MKDIR, XS_RM = 11, 12, 13
XS_ERROR = 16
XS_DIRECTORY_PART = 20
HEADER = struct.Struct("=IIII")     # type, req_id, tx_id, len
XENSTORE_PAYLOAD_MAX = 4096


class Store:
    def __init__(self, tree):
        self.lock = threading.Lock()
        self.nodes = {"/": ""}
        for path, value in tree.items():
            self.write(path, value)

    def write(self, path, value):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            self.nodes.setdefault("/" + "/".join(parts[:i]), "")
        self.nodes[path] = value

    def children(self, path):
        prefix = path.rstrip("/") + "/"
        names = set()
        for p in self.nodes:
            if p.startswith(prefix) and p != prefix:
                names.add(p[len(prefix):].split("/")[0])
        return sorted(names)


def serve(conn, store, log, hangup_after):
    served = 0
    buf = b""
    while True:
        while len(buf) < HEADER.size:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        typ, req, tx, length = HEADER.unpack_from(buf)
        if length > XENSTORE_PAYLOAD_MAX:
            return
        while len(buf) < HEADER.size + length:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        body = buf[HEADER.size:HEADER.size + length]
        buf = buf[HEADER.size + length:]
        if hangup_after is not None and served >= hangup_after:
            conn.close()
            return
        served += 1
        args = body.split(b"\0")
        path = args[0].decode("utf-8", "replace")
        if log:
            log.write("%d %s\n" % (typ, path))
            log.flush()
        rtyp, reply = typ, None
        with store.lock:
            if typ == XS_READ:
                if path in store.nodes:
                    reply = store.nodes[path].encode()
            elif typ in (XS_DIRECTORY, XS_DIRECTORY_PART):
                if path in store.nodes:
                    names = store.children(path)
                    reply = b"".join(n.encode() + b"\0" for n in names)
                    if typ == XS_DIRECTORY_PART:
                        reply = b"0\0" + reply + b"\0"
            elif typ == XS_GET_PERMS:
                if path in store.nodes:
                    reply = b"n0\0"
            elif typ == XS_TRANSACTION_START:
                reply = b"1\0"
            elif typ == XS_TRANSACTION_END:
                reply = b"OK\0"
            elif typ == XS_WRITE:
                store.write(path, body[len(args[0]) + 1:].decode())
                reply = b"OK\0"
            elif typ == XS_MKDIR:
                store.write(path, store.nodes.get(path, ""))
                reply = b"OK\0"
            elif typ == XS_RM:
                for p in [p for p in store.nodes if p == path or
                          p.startswith(path + "/")]:
                    del store.nodes[p]
                reply = b"OK\0"
            else:
                rtyp, reply = XS_ERROR, b"ENOSYS\0"
        if reply is None:
            rtyp, reply = XS_ERROR, b"ENOENT\0"
        conn.sendall(HEADER.pack(rtyp, req, tx, len(reply)) + reply)


def main():
    args = sys.argv[1:]
    log = None
    hangup_after = None
    if "--log" in args:
        i = args.index("--log")
        log = open(args[i + 1], "w")
        del args[i:i + 2]
    if "--hangup-after" in args:
        i = args.index("--hangup-after")
        hangup_after = int(args[i + 1])
        del args[i:i + 2]
    sock_path, tree_path = args
    with open(tree_path) as f:
        store = Store(json.load(f))
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, store, log, hangup_after),
                         daemon=True).start()


if __name__ == "__main__":
    main()
