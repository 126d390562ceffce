#!/usr/bin/env python3
"""apiclient.py — hostile local-API client for tests/integration/api_hostile.sh.

usage: apiclient.py SOCKET SCENARIO [ARGS]
Each scenario prints "PASS: ..." / "FAIL: ..." lines (the test convention) and
exits 1 if any failed. Scenarios: malformed, oversize, idle IDLE_S, clients N,
connect [TEXT] (one status request, then TEXT sent to moscow if given;
prints what happened; for the permission test), pipeline N (N sends written
at once, with a refused send and a status among them: answers in order).
"""
import json
import os
import socket
import sys
import time

SOCK = sys.argv[1]
failed = 0


def check(desc, ok, detail=""):
    global failed
    if ok:
        print(f"PASS: {desc}")
    else:
        failed = 1
        print(f"FAIL: {desc}{': ' + detail if detail else ''}")
    sys.stdout.flush()


def connect(timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # A blocking connect: with a timeout set, a Unix socket's connect fails
    # with EAGAIN at once while the listen backlog is full.
    s.connect(SOCK)
    s.settimeout(timeout)
    return s


def read_line(s, timeout=5.0):
    """One reply line (without newline), or None on EOF/timeout."""
    s.settimeout(timeout)
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            b = s.recv(65536)
            if not b:
                return None
            buf += b
    except (socket.timeout, ConnectionResetError):
        return None
    return buf[:-1]


def closed_by_peer(s, timeout=3.0):
    """True if the daemon closes the connection (EOF) within timeout."""
    s.settimeout(timeout)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def request(s, obj_bytes, timeout=5.0):
    s.sendall(obj_bytes + b"\n")
    line = read_line(s, timeout)
    if line is None:
        return None
    try:
        return json.loads(line)
    except ValueError:
        return {"unparseable": repr(line[:80])}


def status_ok(s=None):
    own = s is None
    if own:
        s = connect()
    try:
        r = request(s, b'{"cmd":"status"}')
    except OSError as e:
        return False, str(e)
    finally:
        if own:
            s.close()
    return bool(r and r.get("ok") is True and "lines" in r), repr(r)[:120]


def is_error(r):
    return isinstance(r, dict) and r.get("ok") is False and isinstance(r.get("error"), str) \
        and len(r["error"]) > 0


def malformed():
    cases = [
        ("not JSON", b"hello daemon"),
        ("a JSON array", b'["status"]'),
        ("a JSON string", b'"status"'),
        ("a number", b"42"),
        ("null", b"null"),
        ("an empty line", b""),
        ("only spaces", b"    "),
        ("unknown cmd", b'{"cmd":"frobnicate"}'),
        ("no cmd", b'{"peer":"moscow"}'),
        ("cmd of the wrong type", b'{"cmd":5}'),
        ("cmd an object", b'{"cmd":{"cmd":"status"}}'),
        ("send: peer a number", b'{"cmd":"send","peer":5,"text":"x"}'),
        ("send: text an array", b'{"cmd":"send","peer":"moscow","text":["x"]}'),
        ("send: unknown field", b'{"cmd":"send","peer":"moscow","text":"x","admin":true}'),
        ("send: unknown peer", b'{"cmd":"send","peer":"beijing","text":"x"}'),
        ("send: empty text", b'{"cmd":"send","peer":"moscow","text":""}'),
        ("send: control character in text", b'{"cmd":"send","peer":"moscow","text":"a\\u001b[2Jb"}'),
        ("send: bad precedence", b'{"cmd":"send","peer":"moscow","text":"x","precedence":"urgent!"}'),
        ("send: bad lang", b'{"cmd":"send","peer":"moscow","text":"x","lang":"../../etc"}'),
        ("report: since_ms a string", b'{"cmd":"report","peer":"moscow","since_ms":"yesterday"}'),
        ("report: since_ms negative", b'{"cmd":"report","peer":"moscow","since_ms":-1}'),
        ("report: since_ms a float", b'{"cmd":"report","peer":"moscow","since_ms":1.5}'),
        ("report: since_ms 1e400", b'{"cmd":"report","peer":"moscow","since_ms":1e400}'),
        ("report: integer over 64 bits", b'{"cmd":"report","peer":"moscow","since_ms":99999999999999999999999}'),
        ("log: peer an array", b'{"cmd":"log","peer":["moscow"]}'),
        ("test: no peer", b'{"cmd":"test"}'),
        ("export: kind unknown", b'{"cmd":"export","peer":"moscow","kind":"everything"}'),
        ("export: bad bound", b'{"cmd":"export","peer":"moscow","from":"last tuesday"}'),
        ("duplicate keys", b'{"cmd":"status","cmd":"send"}'),
        ("duplicate keys in send", b'{"cmd":"send","peer":"moscow","text":"a","text":"b"}'),
        ("nesting 100000 deep (arrays)", b"[" * 100000 + b"]" * 100000),
        ("nesting 40000 deep (objects)", b'{"a":' * 40000 + b"1" + b"}" * 40000),
        ("nesting 3000 deep inside a request", b'{"cmd":"status","x":' + b"[" * 3000 + b"]" * 3000 + b"}"),
        ("invalid UTF-8 in a string", b'{"cmd":"send","peer":"moscow","text":"\xff\xfe"}'),
        ("overlong UTF-8", b'{"cmd":"send","peer":"moscow","text":"\xc0\xaf"}'),
        ("UTF-8 surrogate", b'{"cmd":"send","peer":"moscow","text":"\xed\xa0\x80"}'),
        ("escaped lone surrogate", b'{"cmd":"send","peer":"moscow","text":"\\ud800"}'),
        ("embedded NUL byte", b'{"cmd":"st\x00atus"}'),
        ("NUL after the object", b'{"cmd":"status"}\x00'),
        ("escaped NUL in text", b'{"cmd":"send","peer":"moscow","text":"a\\u0000b"}'),
        ("trailing garbage", b'{"cmd":"status"} {"cmd":"status"}'),
        ("truncated object", b'{"cmd":"status"'),
        ("binary noise", bytes(range(1, 10)) + bytes(range(11, 256))),
    ]
    s = connect()
    for desc, data in cases:
        try:
            r = request(s, data)
        except OSError as e:
            check(f"malformed ({desc}): error reply", False, str(e))
            s = connect()
            continue
        check(f"malformed ({desc}): error reply", is_error(r), repr(r)[:160])
        ok, why = status_ok(s)
        check(f"malformed ({desc}): connection still serves", ok, why)
        if not ok:
            s.close()
            s = connect()
    s.close()
    ok, why = status_ok()
    check("after every malformed request the daemon serves a new client", ok, why)
    # A good send still works on a fresh connection and is committed.
    s = connect()
    r = request(s, b'{"cmd":"send","peer":"moscow","text":"still here after the abuse"}')
    check("a valid send afterwards is accepted and committed",
          isinstance(r, dict) and r.get("ok") is True and r.get("seq", 0) >= 1, repr(r)[:160])
    s.close()


def oversize():
    other = connect()
    s = connect()
    big = b'{"cmd":"send","peer":"moscow","text":"' + b"a" * (300 * 1024) + b'"}\n'
    t0 = time.monotonic()
    try:
        s.sendall(big)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon may close before taking every byte
    line = read_line(s, 5)
    r = json.loads(line) if line else None
    check("300 KiB line: error reply 'request too long'",
          is_error(r) and "too long" in r["error"], repr(r)[:120])
    check("300 KiB line: connection closed", closed_by_peer(s, 5))
    s.close()
    # Without any newline: the daemon must not wait for one for ever.
    s = connect()
    try:
        s.sendall(b"[" + b"0," * (150 * 1024))
    except (BrokenPipeError, ConnectionResetError):
        pass
    line = read_line(s, 5)
    r = json.loads(line) if line else None
    check("300 KiB without a newline: error reply and closed",
          is_error(r) and "too long" in r["error"] and closed_by_peer(s, 5), repr(r)[:120])
    s.close()
    ok, why = status_ok(other)
    check("300 KiB line: a client connected before is still served", ok, why)
    ok, why = status_ok()
    check("300 KiB line: a new client is served", ok, why)
    check("300 KiB line: all within 10 s", time.monotonic() - t0 < 10)
    # Just under the limit is a request like any other (here: malformed).
    s = connect()
    r = request(s, b'{"cmd":"nothing","pad":"' + b"b" * (250 * 1024) + b'"}')
    check("250 KiB request: answered (unknown command), not refused for size",
          is_error(r) and "unknown command" in r["error"], repr(r)[:120])
    s.close()


def idle(idle_s):
    t0 = time.monotonic()
    silent = connect()
    half = connect()
    half.sendall(b'{"cmd":"sta')
    drip = connect()
    # While both stall, others are served at once.
    time.sleep(0.3)
    t1 = time.monotonic()
    ok, why = status_ok()
    check("stalled clients do not delay another client's request", ok and time.monotonic() - t1 < 1.0, why)
    # A drip feeder, one byte every idle/4 s, without a newline: not a request.
    closed_drip = None
    deadline = t0 + idle_s * 3
    msg = b'{"cmd":"status","pad":"' + b"x" * 100
    i = 0
    while time.monotonic() < deadline:
        try:
            drip.sendall(msg[i:i + 1])
        except OSError:
            closed_drip = time.monotonic() - t0
            break
        i = (i + 1) % len(msg)
        drip.settimeout(idle_s / 4)
        try:
            b = drip.recv(4096)
            if b == b"" or b"idle" in b:
                closed_drip = time.monotonic() - t0
                break
        except socket.timeout:
            pass
    check(f"a client dripping bytes without a newline is closed after ~{idle_s} s",
          closed_drip is not None and closed_drip < idle_s * 2.5, f"closed after {closed_drip}")
    for name, s in (("silent", silent), ("half a line", half)):
        line = read_line(s, idle_s * 2)
        r = json.loads(line) if line else None
        el = time.monotonic() - t0
        check(f"idle client ({name}): 'idle timeout' reply", is_error(r) and "idle" in r["error"], repr(r)[:120])
        check(f"idle client ({name}): closed after about {idle_s} s (took {el:.1f} s)",
              closed_by_peer(s, 2) and idle_s * 0.8 <= el <= idle_s * 3)
        s.close()
    # A client that keeps asking is never idle.
    s = connect()
    end = time.monotonic() + idle_s * 2
    alive = True
    while time.monotonic() < end:
        ok, _ = status_ok(s)
        alive = alive and ok
        time.sleep(idle_s / 3)
    check("a client sending complete requests stays connected past the timeout", alive)
    s.close()


def clients(n):
    held = []
    try:
        for _ in range(n):
            held.append(connect())
        # Every one of them is a full client: each is answered.
        bad = 0
        for s in held:
            ok, _ = status_ok(s)
            bad += 0 if ok else 1
        check(f"{n} simultaneous clients all served", bad == 0, f"{bad} not served")
        extra = []
        refused = 0
        for _ in range(3):
            s = connect()
            extra.append(s)
            line = read_line(s, 5)
            r = json.loads(line) if line else None
            if is_error(r) and "too many clients" in r["error"] and closed_by_peer(s, 3):
                refused += 1
        check(f"clients beyond {n}: 'too many clients' and closed (3 of 3)", refused == 3, f"{refused} of 3")
        for s in extra:
            s.close()
        ok, _ = status_ok(held[0])
        check("the first clients are still served", ok)
        held.pop().close()
        time.sleep(0.2)
        ok, why = status_ok()
        check("after one leaves, a new client is served", ok, why)
    finally:
        for s in held:
            s.close()


def connect_once(text=None):
    try:
        s = connect()
    except OSError as e:
        print(f"refused: {e.strerror}")
        return 1
    ok, why = status_ok(s)
    print("connected: status ok" if ok else f"connected: {why}")
    if ok and text:
        r = request(s, json.dumps({"cmd": "send", "peer": "moscow", "text": text}).encode())
        ok = isinstance(r, dict) and r.get("ok") is True
        print("sent" if ok else f"send failed: {r!r}")
    return 0 if ok else 1


def pipeline(n):
    """Sends pipeline (answered after their commit, in order); a refused
    send and a status request in the middle must not overtake them. The
    whole batch goes in one write, more than the daemon's input buffer, so
    the daemon must hold the client back rather than cut it off."""
    s = connect(timeout=30.0)
    reqs = []
    for i in range(n):
        if i == n // 3:
            reqs.append({"cmd": "send", "peer": "nobody-here", "text": "x"})
        elif i == n // 2:
            reqs.append({"cmd": "status"})
        else:
            reqs.append({"cmd": "send", "peer": "moscow", "text": f"pipelined {i} " + "p" * 900})
    data = b"".join(json.dumps(r).encode() + b"\n" for r in reqs)
    check(f"the batch is larger than the daemon's input buffer ({len(data)} bytes)",
          len(data) > 256 * 1024 + 65536)
    s.sendall(data)
    f = s.makefile("rb")
    replies = []
    try:
        for _ in reqs:
            line = f.readline()
            replies.append(line[:-1] if line.endswith(b"\n") else None)
    except (socket.timeout, ConnectionResetError):
        pass
    replies += [None] * (len(reqs) - len(replies))
    parsed = []
    for line in replies:
        try:
            parsed.append(json.loads(line) if line is not None else None)
        except ValueError:
            parsed.append(None)
    check("every request answered", all(isinstance(p, dict) for p in parsed),
          f"{sum(p is None for p in parsed)} missing")
    if not all(isinstance(p, dict) for p in parsed):
        return
    seqs = [p.get("seq") for r, p in zip(reqs, parsed) if r.get("peer") == "moscow"]
    check("every send to a configured peer stored",
          all(p.get("ok") is True for r, p in zip(reqs, parsed) if r.get("peer") == "moscow"))
    check("their seqs come back in request order, consecutive",
          all(isinstance(x, int) for x in seqs) and seqs == list(range(seqs[0], seqs[0] + len(seqs))))
    bad = parsed[n // 3]
    check("the refused send is answered in its place",
          bad.get("ok") is False and "no such peer" in bad.get("error", ""), repr(bad))
    st = parsed[n // 2]
    check("the status is answered in its place, after the sends before it",
          st.get("ok") is True and "lines" in st and
          st["lines"][0].get("own_seq", -1) >= seqs[n // 2 - 2], repr(st)[:200])
    f.close()
    ok, why = status_ok(s)
    check("the connection is still usable", ok, why)


scen = sys.argv[2]
if scen == "malformed":
    malformed()
elif scen == "oversize":
    oversize()
elif scen == "idle":
    idle(float(sys.argv[3]))
elif scen == "clients":
    clients(int(sys.argv[3]))
elif scen == "pipeline":
    pipeline(int(sys.argv[3]))
elif scen == "connect":
    sys.exit(connect_once(sys.argv[3] if len(sys.argv) > 3 else None))
else:
    print(__doc__)
    sys.exit(2)
sys.exit(failed)
