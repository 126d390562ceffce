#!/usr/bin/env python3
"""api_backpressure.py — the scenarios of tests/integration/api_backpressure.sh.

usage: api_backpressure.py SCENARIO SOCK PID [ARGS]
  unread KIND N ENTRIES  write N requests of KIND (status or log, each padded
                         with spaces to PAD[KIND] bytes) without reading: the daemon
                         must stop reading them (what the client can write
                         stops growing, short of all of them) and hold little
                         memory (VmRSS of PID); then read: every request gets
                         its reply, in order, complete (a log: ENTRIES entries)
  places ENTRIES         HL_API_MAX_LISTINGS clients ask for a log and read
                         nothing; one more client's log waits until one of
                         them reads its reply, then comes, complete
  stalled IDLE_S         a client asks for a log and reads nothing: closed
                         after about IDLE_S (ApiIdleTimeout) with the answer
                         cut off, and the daemon still serves others
  prefix                 requests that name an entry by an id prefix (found
                         by a scan of the store in steps) pipelined with
                         others: each answered, in order, the right entry
"""
import json
import socket
import sys
import threading
import time

import apitest
from apitest import check

SCEN, SOCK, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Bytes per request (padded with spaces): the kernel's socket buffers then
# hold few of them, so what the daemon does not read shows at once.
PAD = {"status": 1024, "log": 65536}
MAX_LISTINGS = 4    # HL_API_MAX_LISTINGS


def connect(timeout=30.0):
    return apitest.connect(SOCK, timeout)


def rss_kib():
    return apitest.rss_kib(PID)


def padded(obj, size):
    line = json.dumps(obj)
    return (line[:-1] + " " * (size - len(line) - 1) + "}\n").encode()


def status_ok(timeout=2.0):
    try:
        s = connect(timeout)
        s.sendall(b'{"cmd":"status"}\n')
        r = json.loads(s.makefile("rb").readline())
        s.close()
        return r.get("ok") is True
    except (OSError, ValueError):
        return False


class Reader:
    """Reads reply lines from s in a thread, keeping them (or their size)."""

    def __init__(self, s):
        self.s, self.lines, self.err = s, [], None
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        f = self.s.makefile("rb")
        try:
            for line in f:
                self.lines.append(line)
        except OSError as e:
            self.err = str(e)


def write_without_reading(s, data, seconds):
    """Writes what the socket takes for `seconds`; returns bytes written at
    the end and one second before it."""
    s.setblocking(False)
    off, end, marks = 0, time.monotonic() + seconds, []
    while time.monotonic() < end:
        try:
            off += s.send(data[off:off + 65536])
            if off == len(data):
                break
        except BlockingIOError:
            time.sleep(0.02)
        marks.append((time.monotonic(), off))
    late = [o for t, o in marks if t <= end - 1.0]
    return off, (late[-1] if late else 0)


def unread(kind, n, entries):
    pad = PAD[kind]
    req = padded({"cmd": "status"} if kind == "status" else {"cmd": "log", "peer": "b"}, pad)
    data = req * n
    rss0 = rss_kib()
    s = connect()
    written, before = write_without_reading(s, data, 4.0)
    held = rss_kib() - rss0
    print("# %s: %d of %d requests written without reading (%d one second earlier); RSS +%d KiB"
          % (kind, written // pad, n, before // pad, held))
    check("%s: a client that reads nothing cannot write all its requests (the daemon stopped reading)"
          % kind, written < len(data), "all %d written" % n)
    check("%s: ... and it stays stopped (nothing more taken in the last second)" % kind,
          written == before, "%d then %d bytes" % (before, written))
    check("%s: the daemon holds at most a few MiB for it (+%d KiB)" % (kind, held), held < 16 * 1024)
    check("%s: another client is answered meanwhile" % kind, status_ok())
    # Now it reads: the daemon reads again, and every request is answered.
    s.setblocking(True)
    s.settimeout(60)
    rd = Reader(s)
    rd.t.start()
    s.sendall(data[written:])
    end = time.monotonic() + 120
    while len(rd.lines) < n and time.monotonic() < end and rd.t.is_alive():
        time.sleep(0.05)
    s.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv
    rd.t.join(5)
    s.close()
    bad = []
    for i, line in enumerate(rd.lines):
        try:
            r = json.loads(line)
        except ValueError:
            bad.append("reply %d is not JSON (%d bytes)" % (i, len(line)))
            break
        if r.get("ok") is not True:
            bad.append("reply %d: %s" % (i, r.get("error")))
        elif kind == "log" and len(r.get("entries", [])) != entries:
            bad.append("reply %d has %d entries" % (i, len(r.get("entries", []))))
        elif kind == "status" and r.get("station") != "a":
            bad.append("reply %d is not a status" % i)
        if bad:
            break
    check("%s: once it reads, all %d requests are answered, in order, complete (%d)"
          % (kind, n, len(rd.lines)), len(rd.lines) == n and not bad, "; ".join(bad) or str(rd.err))


def ask_log():
    s = connect()
    s.sendall(b'{"cmd":"log","peer":"b"}\n')
    return s


def places(entries):
    hogs = [ask_log() for _ in range(MAX_LISTINGS)]
    time.sleep(1.0)  # each produced what its cap allows, then paused
    late = ask_log()
    late.settimeout(2.0)
    try:
        first = late.recv(1)
    except socket.timeout:
        first = b""
    check("with %d listings paused, one more waits for a place" % MAX_LISTINGS, first == b"",
          "it began at once")
    check("... while other requests are answered", status_ok())
    # One of them reads its reply to the end: its place goes to the late one.
    f = hogs[0].makefile("rb")
    r = json.loads(f.readline())
    check("a paused listing resumes when its client reads (%d entries)" % len(r.get("entries", [])),
          len(r.get("entries", [])) == entries)
    late.settimeout(30.0)
    line = first + late.makefile("rb").readline()
    try:
        n = len(json.loads(line).get("entries", []))
    except ValueError:
        n = -1
    check("... and the waiting log is then produced, complete (%d entries)" % n, n == entries)
    for s in hogs + [late]:
        s.close()


def stalled(idle_s):
    s = ask_log()
    time.sleep(0.5)
    t0 = time.monotonic()
    s.settimeout(idle_s + 10)
    # Read nothing for longer than ApiIdleTimeout, then see what is left.
    time.sleep(idle_s + 2)
    got, closed = 0, False
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                closed = True
                break
            got += len(b)
            if got > 64 << 20:
                break
    except socket.timeout:
        pass
    data_end = time.monotonic() - t0
    check("a client that takes nothing of its reply for ApiIdleTimeout is closed (%d bytes had reached it)"
          % got, closed, "still open after %.1f s" % data_end)
    check("... cut off: what reached it is not a whole reply", got > 0 and closed and got < 8 << 20)
    check("... and the daemon serves others after it", status_ok())


def prefix():
    s = connect()
    s.sendall(b'{"cmd":"log","peer":"b"}\n')
    f = s.makefile("rb")
    entries = json.loads(f.readline())["entries"]
    target = entries[len(entries) // 3]
    unknown = ("0" if target["id"][0] != "0" else "1") + target["id"][1:]
    reqs = [{"cmd": "translate", "entry": target["id"][:12].upper(), "lang": "de", "text": "prefix test"},
            {"cmd": "status"},
            {"cmd": "translate", "entry": unknown, "lang": "de", "text": "x"},
            {"cmd": "log", "peer": "b"}]
    s.sendall(b"".join((json.dumps(r) + "\n").encode() for r in reqs))
    got = [json.loads(f.readline()) for _ in reqs]
    s.close()
    check("prefix: the entry named by a 12-digit id prefix is translated",
          got[0].get("ok") is True and isinstance(got[0].get("id"), int), str(got[0]))
    check("prefix: ... and the status behind it is answered after it", got[1].get("station") == "a",
          str(got[1])[:200])
    check("prefix: an id no entry has is refused, in its turn",
          got[2].get("ok") is False and "no entry has an id starting" in got[2].get("error", ""),
          str(got[2]))
    tr = [e for e in got[3].get("entries", []) if e.get("translations")]
    check("prefix: the log then shows the translation on that entry only",
          len(tr) == 1 and tr[0]["id"] == target["id"]
          and tr[0]["translations"][0]["text"] == "prefix test", "%d entries translated" % len(tr))


if SCEN == "unread":
    unread(sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
elif SCEN == "places":
    places(int(sys.argv[4]))
elif SCEN == "stalled":
    stalled(float(sys.argv[4]))
elif SCEN == "prefix":
    prefix()
sys.exit(apitest.failed)
