#!/usr/bin/env python3
# subscriber.py — an API event subscriber for the integration tests.
#   subscriber.py log SOCK OUT        subscribe; append "MS<TAB>LINE" per line
#                                     received (reply, then events) to OUT;
#                                     "MS<TAB>EOF" when the daemon closes
#   subscriber.py stall SOCK OUT GO   subscribe, read the reply, then read
#                                     nothing until the file GO exists; then
#                                     log like "log" (the backlog and the end)
#   subscriber.py poke SOCK OUT       subscribe, then send a status request on
#                                     the same connection; log like "log"
import os
import socket
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def main():
    mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if mode == "stall":  # a small buffer: the daemon's queue fills sooner
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(b'{"cmd":"subscribe"}\n')
    f = s.makefile("rb")
    with open(out, "a") as log:
        def put(text):
            log.write("%d\t%s\n" % (now_ms(), text))
            log.flush()
        put(f.readline().decode().strip())
        if mode == "stall":
            go = sys.argv[4]
            while not os.path.exists(go):
                time.sleep(0.05)
        if mode == "poke":
            s.sendall(b'{"cmd":"status"}\n')
        for raw in f:
            put(raw.decode().strip())
        put("EOF")


main()
