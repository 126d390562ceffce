#!/usr/bin/env python3
"""sendburst.py — N sends written to the local API in one write (so the
daemon takes them in one loop turn), then their N answers read in order.

usage: sendburst.py SOCKET PEER TAG N
Prints one line per send: "ok TEXT SEQ" or "err TEXT MESSAGE", where TEXT is
"TAG-i" (i from 1). Exits 1 if the connection fails or an answer is missing.
"""
import json
import socket
import sys

sock, peer, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
s.settimeout(20)
texts = [f"{tag}-{i}" for i in range(1, n + 1)]
s.sendall(b"".join(json.dumps({"cmd": "send", "peer": peer, "text": t}).encode() + b"\n"
                   for t in texts))
buf = b""
for t in texts:
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(f"sendburst: connection closed before the answer to {t}")
        buf += chunk
    line, buf = buf.split(b"\n", 1)
    r = json.loads(line)
    if r.get("ok"):
        print(f"ok {t} {r['seq']}")
    else:
        print(f"err {t} {r.get('error', '?')}")
