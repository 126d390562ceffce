#!/usr/bin/env python3
"""notify_listener.py — plays systemd's side of sd_notify for
tests/integration/sdnotify.sh.

usage: notify_listener.py ADDRESS OUT API_SOCKET LOG

Binds a datagram socket at ADDRESS (a path, or @name for an abstract one),
writes "bound" to OUT, then one line per datagram received: "MSG <json>".
At the first READY=1 it checks, before anything else, what systemd would
then rely on: that the daemon's API socket accepts a connection and answers
a status request ("API ok" / "API fail: why"), and whether the daemon's log
already says the sandbox is on ("SANDBOX on" / "SANDBOX missing"). Ends at
STOPPING=1 or after 60 s.
"""
import json
import socket
import sys
import time

addr, out_path, api_path, log_path = sys.argv[1:5]
out = open(out_path, "a", buffering=1)


def api_status():
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(api_path)
        s.sendall(b'{"cmd":"status"}\n')
        buf = b""
        while not buf.endswith(b"\n"):
            b = s.recv(65536)
            if not b:
                return "API fail: closed"
            buf += b
        s.close()
        return "API ok" if json.loads(buf).get("ok") is True else "API fail: " + buf.decode()[:200]
    except OSError as e:
        return f"API fail: {e}"


d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind("\0" + addr[1:] if addr.startswith("@") else addr)
d.settimeout(60)
out.write("bound\n")
ready_seen = False
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        msg = d.recv(4096).decode("utf-8", "replace")
    except socket.timeout:
        break
    lines = msg.split("\n")
    if "READY=1" in lines and not ready_seen:
        ready_seen = True
        # The log first: it was written before READY=1 was sent.
        with open(log_path, errors="replace") as f:
            sandbox = "SANDBOX on" if "sandbox on:" in f.read() else "SANDBOX missing"
        api = api_status()
        out.write("MSG " + json.dumps(msg) + "\n" + api + "\n" + sandbox + "\n")
        continue
    out.write("MSG " + json.dumps(msg) + "\n")
    if "STOPPING=1" in lines:
        break
