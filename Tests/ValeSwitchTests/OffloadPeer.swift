import Foundation
import TestSupport

/// The traffic ends of the offload tests: a small Python program run in the
/// host namespaces. Every exchange is checked by content (SHA-256, echoed
/// datagrams), not by time: peers retry until done or a generous deadline.
enum OffloadPeer {
    static let python = "/usr/bin/python3"

    static let source = #"""
import hashlib, json, random, socket, sys, time

def write(path, obj):
    with open(path + ".tmp", "w") as f: json.dump(obj, f)
    import os; os.rename(path + ".tmp", path)

def data(size, seed): return random.Random(seed).randbytes(size)

def tcp_server(addr, port, size, seed, out):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); s.settimeout(180)
    c, _ = s.accept(); c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    mine = data(size, seed)
    c.sendall(mine); c.shutdown(socket.SHUT_WR); c.close()
    write(out, {"received": n, "receivedSHA": h.hexdigest(), "sentSHA": hashlib.sha256(mine).hexdigest()})

def tcp_client(addr, port, size, seed):
    deadline = time.time() + 120
    while True:
        try:
            c = socket.create_connection((addr, port), timeout=5); break
        except OSError:
            if time.time() > deadline: raise
            time.sleep(0.1)
    c.settimeout(60)
    mine = data(size, seed)
    c.sendall(mine); c.shutdown(socket.SHUT_WR)
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    print(json.dumps({"received": n, "receivedSHA": h.hexdigest(), "sentSHA": hashlib.sha256(mine).hexdigest()}))

def datagram(i, j, size):
    head = b"%06d:%02d:" % (i, j)
    return head + data(size - len(head), i * 100 + j)

def udp_echo(addr, port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, port))
    seen, bad = set(), 0
    while True:
        d, peer = s.recvfrom(65535)
        if d == b"done":
            s.sendto(b"done", peer); break
        i, j = int(d[0:6]), int(d[7:9])
        if d != datagram(i, j, len(d)): bad += 1
        seen.add((i, j)); s.sendto(d, peer)
    write(out, {"distinct": len(seen), "bad": bad})

def udp_client(addr, port, count, group):
    # `group` > 1: each message is one UDP_SEGMENT (USO) send of `group` datagrams.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
    s.connect((addr, port))
    echoed = 0
    for i in range(count):
        size = 200 + (i * 97) % 1200
        parts = [datagram(i, j, size) for j in range(group)]
        for attempt in range(10):
            if group > 1:
                s.setsockopt(socket.SOL_UDP, 103, size)  # UDP_SEGMENT
                s.send(b"".join(parts))
                s.setsockopt(socket.SOL_UDP, 103, 0)
            else:
                s.send(parts[0])
            got = set()
            try:
                while len(got) < group:
                    d = s.recv(65535)
                    if d in parts: got.add(d)
            except socket.timeout:
                continue
            echoed += 1; break
        else:
            break  # ten silent tries: the path is broken, report instead of hanging
    for attempt in range(10):
        s.send(b"done")
        try:
            if s.recv(100) == b"done": break
        except socket.timeout: pass
    print(json.dumps({"echoed": echoed}))

def udp_sink(addr, port, count, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, port)); s.settimeout(120)
    got = []
    try:
        while len(got) < count: got.append(s.recv(65535).hex())
    except socket.timeout: pass
    write(out, {"datagrams": got})

mode, args = sys.argv[1], sys.argv[2:]
if mode == "tcp-server": tcp_server(args[0], int(args[1]), int(args[2]), int(args[3]), args[4])
elif mode == "tcp-client": tcp_client(args[0], int(args[1]), int(args[2]), int(args[3]))
elif mode == "udp-echo": udp_echo(args[0], int(args[1]), args[2])
elif mode == "udp-client": udp_client(args[0], int(args[1]), int(args[2]), int(args[3]))
elif mode == "udp-sink": udp_sink(args[0], int(args[1]), int(args[2]), args[3])
"""#

    /// Writes the program to a fresh directory; returns its path and that directory.
    static func install() throws -> (script: String, directory: String) {
        let directory = NSTemporaryDirectory() + uniqueName("offload")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/peer.py"
        try source.write(toFile: script, atomically: true, encoding: .utf8)
        return (script, directory)
    }

    /// Waits until a background peer wrote `path` (it does so last) and
    /// decodes it; nil when it never does within `seconds`.
    static func result(at path: String, of process: BackgroundProcess, seconds: Double = 300) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: path) && Date() < deadline {
            if !process.isRunning && !FileManager.default.fileExists(atPath: path) { return nil }
            usleep(50_000)
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Decodes a peer's one line of JSON output.
    static func decode(_ output: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
    }

    /// One counter of the `Udp:` lines of /proc/net/snmp in `ns`.
    static func udpCounter(_ name: String, in ns: NetworkNamespace) throws -> Int? {
        let lines = try ns.run(["cat", "/proc/net/snmp"]).stdout.split(separator: "\n").filter { $0.hasPrefix("Udp:") }
        guard lines.count >= 2 else { return nil }
        let names = lines[0].split(separator: " "), values = lines[1].split(separator: " ")
        return names.firstIndex { $0 == name }.flatMap { Int(values[$0]) }
    }
}
