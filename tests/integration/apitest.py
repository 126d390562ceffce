"""apitest.py — what the Python clients of the API tests share: the PASS/FAIL
lines of the test convention, a connection to a station's socket, and a
process's resident memory."""
import socket
import sys

failed = 0


def check(desc, ok, detail=""):
    """Prints PASS or FAIL (with detail); a FAIL makes `failed` 1."""
    global failed
    if not ok:
        failed = 1
    print(("PASS: " if ok else "FAIL: ") + desc + ("" if ok or not detail else ": " + detail))
    sys.stdout.flush()


def connect(path, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def rss_kib(pid):
    """VmRSS of pid in KiB; 0 once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
