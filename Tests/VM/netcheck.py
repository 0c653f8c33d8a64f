#!/usr/bin/env python3
"""The namespace side of the VM integration test (VirtualMachineTests.swift).

  netcheck.py tcp-recv PORT TIMEOUT          accept one connection, read to EOF
  netcheck.py tcp-send HOST PORT BYTES TIMEOUT  send BYTES random bytes
  netcheck.py udp-recv PORT COUNT TIMEOUT    count datagrams holding "vmtest-udp"
                                             until COUNT or TIMEOUT

Each prints "listening" (receivers, once bound) and a last line with what
it saw: "tcp BYTES SHA256" or "udp DATAGRAMS BYTES" (udp-recv also prints
that line after each datagram).
"""
import hashlib, os, socket, sys, time

def tcp_recv(port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1); s.settimeout(timeout)
    print("listening", flush=True)
    deadline = time.monotonic() + timeout
    c, _ = s.accept()
    h, n = hashlib.sha256(), 0
    while True:
        c.settimeout(max(0.1, deadline - time.monotonic()))
        data = c.recv(1 << 16)
        if not data: break
        h.update(data); n += len(data)
    c.close()
    print("tcp", n, h.hexdigest(), flush=True)

def tcp_send(host, port, count, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            c = socket.create_connection((host, port), timeout=5); break
        except OSError:
            if time.monotonic() > deadline: raise
            time.sleep(0.2)
    h, n = hashlib.sha256(), 0
    while n < count:
        chunk = os.urandom(min(1 << 16, count - n))
        c.settimeout(max(0.1, deadline - time.monotonic()))
        c.sendall(chunk); h.update(chunk); n += len(chunk)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(max(0.1, deadline - time.monotonic()))
    while c.recv(4096): pass  # the receiver closes once it has read everything
    print("tcp", n, h.hexdigest(), flush=True)

def udp_recv(port, count, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("0.0.0.0", port))
    print("listening", flush=True)
    deadline = time.monotonic() + timeout
    datagrams, total = 0, 0
    while datagrams < count and time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            break
        if b"vmtest-udp" not in data: continue  # e.g. syslogd's own start message
        datagrams += 1; total += len(data)
        print("udp", datagrams, total, flush=True)
    print("udp", datagrams, total, flush=True)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "tcp-recv": tcp_recv(int(args[0]), float(args[1]))
elif cmd == "tcp-send": tcp_send(args[0], int(args[1]), int(args[2]), float(args[3]))
elif cmd == "udp-recv": udp_recv(int(args[0]), int(args[1]), float(args[2]))
else: sys.exit("unknown command " + cmd)
