#!/usr/bin/env python3
"""How long forwarding stops when vale-switchd is killed (-9) and started
again at once (not a test; issue 13 asks for the gap to be measured).

Two namespaces ping each other every 10 ms through a vale-switchd switch of
two veth ports in a third namespace. Each run kills vale-switchd with
SIGKILL one second into the ping and starts it again at once, the way a
service manager with RestartSec=0 would; the table shows when it was READY
again, how much of that was process start and port restore, the longest
silence between two ping replies and the replies lost.

Usage: Benchmarks/forwarder/restart.py [--runs 5] [--binary PATH]
(root; builds the release vale-switchd unless --binary is given)
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def call(path, method, parameters=None):
    """One Varlink call over the Unix socket; returns the reply's parameters."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        message = {"method": "io.valed.forwarder." + method, "parameters": parameters or {}}
        s.sendall(json.dumps(message).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError(f"{method}: vale-switchd closed the connection")
            data += chunk
    reply = json.loads(data[:-1])
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']} {reply.get('parameters')}")
    return reply.get("parameters", {})


class Switchd:
    def __init__(self, binary, namespace, directory):
        self.binary, self.namespace, self.directory = binary, namespace, directory
        self.socket = os.path.join(directory, "switchd.sock")
        self.notify_path = os.path.join(directory, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.log = open(os.path.join(directory, "switchd.log"), "ab")
        self.process = None

    def start(self):
        """Starts vale-switchd in the namespace; returns when it sent READY=1."""
        env = {k: v for k, v in os.environ.items() if k not in ("LISTEN_FDS", "LISTEN_PID", "INVOCATION_ID", "JOURNAL_STREAM")}
        env["NOTIFY_SOCKET"] = self.notify_path
        # nsenter joins the namespace and execs: no /sys remount as with `ip netns exec`.
        self.process = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{self.namespace}", self.binary, "--socket", self.socket,
             "--state", os.path.join(self.directory, "switchd.state")],
            env=env, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        self.notify.settimeout(20)
        while True:
            if b"READY=1" in self.notify.recv(4096):
                return

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait()


def ping(namespace, address, count):
    return subprocess.Popen(["ip", "netns", "exec", namespace, "ping", "-D", "-n", "-c", str(count), "-i", "0.01",
                             "-W", "1", address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse(output):
    times = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from", output, re.M)]
    summary = re.search(r"(\d+) packets transmitted, (\d+) received", output)
    sent, received = (int(summary.group(1)), int(summary.group(2))) if summary else (0, 0)
    gap = max((b - a for a, b in zip(times, times[1:])), default=0)
    return sent - received, gap


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary")
    parser.add_argument("--extra-ports", type=int, default=0,
                        help="more veth ports on the switch (their peers idle), to see the restore cost per port")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("restart.py: needs root (namespaces, veth)")
    binary = args.binary
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "vale-switchd"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        binary = os.path.join(sh("swift", "build", "-c", "release", "--show-bin-path").stdout.strip(), "vale-switchd")

    tag = f"fwr{os.getpid()}"
    sw, a, b = tag + "s", tag + "a", tag + "b"
    directory = tempfile.mkdtemp(prefix="switchd-bench-")
    switchd = None
    try:
        for ns in (sw, a, b):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        for host, port, address in ((a, "sa", "10.77.0.1/24"), (b, "sb", "10.77.0.2/24")):
            sh("ip", "-n", host, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", sw)
            sh("ip", "-n", host, "addr", "add", address, "dev", "eth0")
            sh("ip", "-n", host, "link", "set", "eth0", "up")
            sh("ip", "-n", sw, "link", "set", port, "up")
        switchd = Switchd(binary, sw, directory)
        switchd.start()
        call(switchd.socket, "CreateSwitch", {"name": "vs0"})
        call(switchd.socket, "Attach", {"switch": "vs0", "interface": "sa"})
        call(switchd.socket, "Attach", {"switch": "vs0", "interface": "sb"})
        for index in range(args.extra_ports):
            sh("ip", "-n", sw, "link", "add", f"x{index}", "type", "veth", "peer", "name", f"x{index}p")
            sh("ip", "-n", sw, "link", "set", f"x{index}", "up")
            sh("ip", "-n", sw, "link", "set", f"x{index}p", "up")
            call(switchd.socket, "Attach", {"switch": "vs0", "interface": f"x{index}"})
        sh("ip", "netns", "exec", a, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2")

        print(f"vale-switchd restart after kill -9 ({binary}), ping every 10 ms, {2 + args.extra_ports} veth ports")
        print("| run | killed process reaped ms | main entered ms | restore ms | READY after kill ms | longest ping gap ms | lost of 300 |")
        print("|---|---|---|---|---|---|---|")
        for run in range(1, args.runs + 1):
            pinger = ping(a, "10.77.0.2", 300)
            time.sleep(1)
            killed = time.time()
            switchd.kill()
            reaped = time.time() - killed
            switchd.start()
            ready = time.time() - killed
            lost, gap = parse(pinger.communicate()[0])
            info = call(switchd.socket, "GetInfo")
            print(f"| {run} | {reaped * 1000:.1f} | {(info['startTime'] - killed) * 1000:.1f} | "
                  f"{info['restoreMilliseconds']:.1f} | {ready * 1000:.1f} | {gap * 1000:.1f} | {lost} |")
            time.sleep(0.5)
    finally:
        if switchd:
            switchd.stop()
        for ns in (sw, a, b):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)
        subprocess.run(["rm", "-rf", directory])


if __name__ == "__main__":
    main()
