#!/usr/bin/python3
# tests/fuzz/repro/hub-halfclose.py PORT [N]: N times (default 10), send
# "GET /health" to a plain-HTTP hub on 127.0.0.1:PORT, half-close (as
# fuzz_hubreq does), read to the close; print how long the hub took to
# close after its answer. Exit 1 when one took over 5 s (see README).
import socket
import sys
import time

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
slow = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    s.settimeout(120)
    t0, data = time.monotonic(), b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    took = time.monotonic() - t0
    s.close()
    print(f"{i}: {data[:12].decode('latin-1')!r}, {len(data)} bytes, closed after {took:.3f} s")
    slow += took > 5
sys.exit(1 if slow else 0)
