#!/usr/bin/env python3
"""api_stall.py — how long a large answer holds a station's loop, seen from
outside: while one client reads a whole answer (REQ, e.g. a log), another
asks `status` on its own connection again and again and times each reply
(a reply cannot come while the loop is held). Prints the answer's bytes and
duration and the round trips that overlapped it (median, p99, max, count),
in milliseconds.

usage: api_stall.py SOCK REQUEST_JSON
"""
import json
import socket
import sys
import threading
import time

SOCK, REQ = sys.argv[1], sys.argv[2]


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(SOCK)
    return s


def status_rtts(stop, out):
    s = connect()
    f = s.makefile("rb")
    while not stop.is_set():
        t = time.monotonic()
        s.sendall(b'{"cmd":"status"}\n')
        if not json.loads(f.readline()).get("ok"):
            raise SystemExit("status not ok")
        out.append((t, time.monotonic()))
        time.sleep(0.002)
    s.close()


def main():
    rtts, stop = [], threading.Event()
    th = threading.Thread(target=status_rtts, args=(stop, rtts))
    th.start()
    time.sleep(0.5)
    s = connect()
    t0 = time.monotonic()
    s.sendall((REQ + "\n").encode())
    n, last = 0, b""
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        n += len(b)
        last = (last + b)[-2:]
        if last.endswith(b"\n"):
            break
    dt = (time.monotonic() - t0) * 1000.0
    s.close()
    stop.set()
    th.join()
    # Every round trip that overlapped the answer (a short one may fit
    # inside a single round trip).
    t1 = t0 + dt / 1000.0
    during = sorted((e - b) * 1000.0 for b, e in rtts if e >= t0 and b <= t1)
    if not during or not last.endswith(b"\n"):
        raise SystemExit("no complete answer or no status during it")
    p = lambda q: during[min(len(during) - 1, int(q * len(during)))]
    print("%d %.0f %.2f %.2f %.2f %d" % (n, dt, p(0.5), p(0.99), during[-1], len(during)))


main()
