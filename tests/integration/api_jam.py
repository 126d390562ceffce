#!/usr/bin/env python3
"""api_jam.py — the load of tests/integration/api_jam.sh: operators that jam
a station's API while its line carries traffic.

usage: api_jam.py SOCK_A SOCK_B PID_A PEER SECONDS RSS_LIMIT_KIB

For SECONDS, against station A (socket SOCK_A, process PID_A) whose line
goes to PEER (station B, SOCK_B):
  - a sender sends a message every 100 ms and keeps each reply (seq, id);
  - a subscriber on B keeps every entry event of A's entries, in order;
  - two jammers each write thousands of requests (`log PEER`, `inbox`) on one
    connection and never read a byte of the replies;
  - a reader asks for `log PEER` again and again and reads every reply to
    its end (the daemon keeps producing a large answer the whole time);
  - a prober asks both stations for `status` on a new connection every
    half second and times the answer;
  - A's VmRSS is sampled every 200 ms.
Then it waits for B to have stored every message and prints PASS/FAIL lines:
every send answered ok, B stored exactly those entries in order, A's
largest RSS under RSS_LIMIT_KIB, every status answered within PROMPT_S, and
the reader got complete log replies. A run whose RSS passes 4 x the limit
stops early (the daemon is killed by the test then, not the machine).
"""
import json
import sys
import threading
import time

import apitest
from apitest import check

SOCK_A, SOCK_B, PID_A, PEER = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
SECONDS, RSS_LIMIT = float(sys.argv[5]), int(sys.argv[6])
PROMPT_S = 1.0      # a third of the dead-path time (DeadAfter 3 x Keepalive 1 s)
JAM_REQUESTS = 3000

stop = threading.Event()
lock = threading.Lock()
res = {"sent": [], "send_errors": [], "events": [], "rss_max": 0, "probe_max": 0.0,
       "probe_fail": [], "jam_written": {}, "logs_read": 0, "log_bad": [], "log_bytes": 0}


def connect(path, timeout=10.0):
    return apitest.connect(path, timeout)


def read_line(f):
    line = f.readline()
    if not line.endswith(b"\n"):
        raise EOFError("connection closed")
    return line


def sender():
    s = connect(SOCK_A)
    f = s.makefile("rb")
    i, t0 = 0, time.monotonic()
    while not stop.is_set():
        i += 1
        req = {"cmd": "send", "peer": PEER, "text": "jam message %d" % i}
        try:
            s.sendall((json.dumps(req) + "\n").encode())
            r = json.loads(read_line(f))
        except (OSError, EOFError, ValueError) as e:
            res["send_errors"].append("message %d: %s" % (i, e))
            break
        if r.get("ok"):
            res["sent"].append((r["seq"], r["id"]))
        else:
            res["send_errors"].append("message %d: %s" % (i, r.get("error")))
        delay = t0 + i * 0.1 - time.monotonic()
        if delay > 0:
            stop.wait(delay)
    s.close()


def subscriber(ready):
    s = connect(SOCK_B, timeout=None)
    s.sendall(b'{"cmd":"subscribe"}\n')
    f = s.makefile("rb")
    read_line(f)
    ready.set()
    for raw in f:
        ev = json.loads(raw)
        if ev.get("event") == "entry" and not ev.get("own") and ev.get("kind") == "MESSAGE":
            with lock:
                res["events"].append((ev["seq"], ev["id"]))
        elif ev.get("event") == "overflow":
            res["events"].append(("overflow", ""))


def jammer(name, req):
    s = connect(SOCK_A)
    s.setblocking(False)
    data = (req + "\n").encode() * JAM_REQUESTS
    off, end = 0, time.monotonic() + 3.0
    while off < len(data) and time.monotonic() < end and not stop.is_set():
        try:
            off += s.send(data[off:])
        except BlockingIOError:
            time.sleep(0.01)
    res["jam_written"][name] = off // len(req + "\n")
    stop.wait()  # never reads; holds the connection open to the end
    s.close()


def reader():
    head, tail = b'{"ok":true,"entries":[', b"]}\n"
    while not stop.is_set():
        try:
            s = connect(SOCK_A, timeout=30.0)
            s.sendall(('{"cmd":"log","peer":"%s"}\n' % PEER).encode())
            first, last, n, done = b"", b"", 0, False
            while not stop.is_set():
                b = s.recv(1 << 20)
                if not b:
                    break
                if len(first) < len(head):
                    first += b[:len(head)]
                last = (last + b)[-8:]
                n += len(b)
                if b.endswith(b"\n"):
                    done = True
                    break
            s.close()
        except OSError as e:
            res["log_bad"].append(str(e))
            return
        if not done:
            if not stop.is_set():
                res["log_bad"].append("reply ended after %d bytes" % n)
            return
        if not first.startswith(head) or not last.endswith(tail):
            res["log_bad"].append("reply of %d bytes is not one log line" % n)
            return
        res["logs_read"] += 1
        res["log_bytes"] = n


def probe_once(path):
    t = time.monotonic()
    try:
        s = connect(path, timeout=5.0)
        s.sendall(b'{"cmd":"status"}\n')
        r = json.loads(read_line(s.makefile("rb")))
        s.close()
        if not r.get("ok"):
            return None, "not ok"
    except (OSError, EOFError, ValueError) as e:
        return None, str(e)
    return time.monotonic() - t, ""


def prober():
    while not stop.wait(0.5):
        for path in (SOCK_A, SOCK_B):
            dt, why = probe_once(path)
            if dt is None:
                res["probe_fail"].append("%s: %s" % (path, why))
            else:
                res["probe_max"] = max(res["probe_max"], dt)


def rss_kib():
    return apitest.rss_kib(PID_A)


def sampler():
    while not stop.wait(0.2):
        r = rss_kib()
        res["rss_max"] = max(res["rss_max"], r)
        if r > 4 * RSS_LIMIT:
            print("# RSS %d KiB: over 4 x the limit, stopping early" % r)
            stop.set()


def main():
    ready = threading.Event()
    sub = threading.Thread(target=subscriber, args=(ready,), daemon=True)
    sub.start()
    ready.wait(10)
    rss0 = rss_kib()
    threads = [threading.Thread(target=t, args=a, daemon=True) for t, a in (
        (sampler, ()), (sender, ()), (prober, ()), (reader, ()),
        (jammer, ("log", '{"cmd":"log","peer":"%s"}' % PEER)),
        (jammer, ("inbox", '{"cmd":"inbox"}')))]
    for t in threads:
        t.start()
    stop.wait(SECONDS)
    stop.set()
    for t in threads[:4]:
        t.join(30)
    # Every message A answered must reach B (receipted: B stored it).
    end = time.monotonic() + 30
    while time.monotonic() < end:
        with lock:
            if len(res["events"]) >= len(res["sent"]):
                break
        time.sleep(0.1)
    print("# %d messages sent; jammers wrote %s requests; reader read %d full logs (%d bytes each);"
          " RSS %d KiB at the start, at most %d KiB; slowest status %.3f s"
          % (len(res["sent"]), res["jam_written"], res["logs_read"], res["log_bytes"], rss0,
             res["rss_max"], res["probe_max"]))
    check("every message sent during the jam was answered ok (%d)" % len(res["sent"]),
          not res["send_errors"] and len(res["sent"]) >= SECONDS * 5, "; ".join(res["send_errors"][:3]))
    seqs = [q for q, _ in res["sent"]]
    check("the sends got consecutive seqs", seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False)
    with lock:
        ev = list(res["events"])
    check("the peer stored every message, once, in order, the same entries (ids)",
          ev == res["sent"], "%d stored, %d sent; first difference at %s" % (
              len(ev), len(res["sent"]),
              next((i for i, (a, b) in enumerate(zip(ev, res["sent"])) if a != b), min(len(ev), len(res["sent"])))))
    check("the daemon's RSS stayed under %d KiB (at most %d KiB)" % (RSS_LIMIT, res["rss_max"]),
          0 < res["rss_max"] < RSS_LIMIT)
    check("both stations answered every status within %.1f s (slowest %.3f s)" % (PROMPT_S, res["probe_max"]),
          not res["probe_fail"] and res["probe_max"] < PROMPT_S, "; ".join(res["probe_fail"][:3]))
    check("the jammers' requests were written (%s)" % res["jam_written"],
          all(v > 0 for v in res["jam_written"].values()) and len(res["jam_written"]) == 2)
    check("a reader got complete log replies while the jam lasted (%d)" % res["logs_read"],
          res["logs_read"] >= 1 and not res["log_bad"], "; ".join(res["log_bad"][:3]))
    sys.exit(apitest.failed)


main()
