#!/usr/bin/env python3
"""valed soak harness (issue 12); started by scripts/soak.sh, see docs/soak.md.

Runs a real valed (or valed-model) with its own socket, state directory and
configuration, keeps traffic flowing between network namespaces through the
switch, and runs a random but seeded sequence of valectl commands, signals and
link changes. After every step it checks invariants. The command sequence
depends only on the seed (and on failures seen), so `--seed S` replays a run.

The last line printed is always
  ops=N, crashes=N, invariant failures=N, fd growth=N, rss growth=N KiB
and the exit status is non-zero when crashes or invariant failures > 0.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

# --- knobs -----------------------------------------------------------------

SETTLE_SECONDS = 5.0           # list == desired must hold within this
SETTLE_AFTER_RESTART = 15.0    # ... and this after a (re)start of valed
STATUS_TIMEOUT = 1             # valectl status must answer within 1 s
FD_BOUND = 32                  # fd growth allowed between quiet samples of one valed
THREAD_BOUND = 8               # thread growth allowed likewise
RSS_BOUND_KIB = 64 * 1024      # RSS growth allowed over one valed's life
QUIET_EVERY = 25               # steps between quiet samples (no clients running)
MAX_MONITORS = 6
MAX_SUBSCRIBERS = 4
UDP_BURST = 2000


def now():
    return time.monotonic()


class Failure(Exception):
    pass


class Harness:
    def __init__(self, args):
        self.a = args
        self.seed = args.seed
        self.rng = random.Random(args.seed)
        self.model = args.datapath == "model"
        self.work = args.workdir
        self.keep = args.keep_dir
        os.makedirs(self.keep, exist_ok=True)
        os.chmod(self.work, 0o755)   # `nobody` must reach the socket
        self.sock = os.path.join(self.work, "valed.sock")
        self.state_dir = os.path.join(self.work, "state")
        # vale-switchd, which valed starts (userspace datapath) and which
        # outlives valed's restarts on purpose; stopped at the end of the run.
        self.switchd_sock = os.path.join(self.work, "switchd.sock")
        self.switchd_state = os.path.join(self.work, "switchd.state")
        self.config = os.path.join(self.work, "valed.yaml")
        self.log_path = os.path.join(self.work, "valed.log")
        self.model_state = os.path.join(self.work, "kernel.json")
        tag = "%04x" % (os.getpid() & 0xFFFF)
        self.tag = tag
        with open(os.path.join(self.work, "tag"), "w") as f:
            f.write(tag)
        self.ns_prefix = "soak%s" % tag
        self.hub = self.ns_prefix + "h" if not self.model else None
        self.proc = None
        self.step = 0
        self.ops = 0
        self.crashes = 0
        self.failures = 0
        self.current = "setup"
        self.deadline = now() + args.minutes * 60
        self.bg = {}              # name -> Popen (traffic)
        self.monitors = []        # dicts: p, port, count, file, start, disturbed, incarnation
        self.subscribers = []     # dicts: p, file, incarnation
        self.incarnation = 0
        self.expected_exit = False
        self.counters = {}        # "sw:port" -> (rx, tx, drops)
        self.quiet = {}           # incarnation -> list of (fds, threads, rss)
        self.fd_growth = 0
        self.rss_growth = 0
        self.settle_long = False
        self.namespaces = []
        self.recent = []          # the last steps, for failure reports
        self.stats = {"monitors checked": 0, "monitors killed": 0, "udp bursts": 0, "valed starts": 0}
        # Resources. NICs are veth ends in the hub namespace (userspace) or
        # NICs of the kernel model. a/b carry the ping flood and iperf3, c/d
        # stay quiet (vale1) for the UDP accounting check, e* are churned.
        self.nics = ["s%sa" % tag, "s%sb" % tag, "s%sc" % tag, "s%sd" % tag] + ["s%se%d" % (tag, i) for i in range(4)]
        self.na, self.nb, self.nc, self.nd = self.nics[:4]
        self.churn_nics = self.nics[4:]
        self.taps = ["s%st%d" % (tag, i) for i in range(3)]
        self.pipes_pool = ["s%sp%d" % (tag, i) for i in range(3)]
        self.switches = ["vale0", "vale1", "vale2"]
        self.ip = {}
        for i, n in enumerate(self.nics):
            self.ip[n] = "10.77.%d.%d" % (0 if i < 2 or i >= 4 else 1, i + 1)
        # Desired state as the harness believes valed has it.
        self.att = {}      # "sw:if" -> {"owner", "host"}
        self.pports = {}   # name -> owner
        self.pipes = set()
        self.good_config_text = ""

    # --- logging ---------------------------------------------------------------
    def say(self, msg):
        print("[soak %6.1fs step %d] %s" % (now() - self.t0, self.step, msg), flush=True)

    def fail(self, kind, detail):
        if kind != "crash" and self.proc is not None and not self.expected_exit:
            # A valed in the middle of crashing (printing its backtrace takes
            # seconds) fails requests first: report the crash, not those.
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            if self.check_crash():
                return
        if kind == "crash":
            self.crashes += 1
        else:
            self.failures += 1
        saved = os.path.join(self.keep, "valed-seed%d-step%d.log" % (self.seed, self.step))
        try:
            shutil.copy(os.path.join(self.work, "trace.txt"), os.path.join(self.keep, "trace-seed%d.txt" % self.seed))
        except OSError:
            pass
        try:
            shutil.copy(self.log_path, saved)
        except OSError:
            saved = "(no log)"
        print("SOAK %s: seed=%d step=%d command=%r: %s" % (kind.upper(), self.seed, self.step, self.current, detail), flush=True)
        live = ["valectl monitor %s -c %d" % (m["port"], m["count"]) for m in self.monitors if m["p"].poll() is None]
        print("  steps before: %s%s" % ("; ".join(self.recent[:-1]) or "-", ("; monitors running: " + ", ".join(live)) if live else ""), flush=True)
        print("  replay: scripts/soak.sh --datapath %s --seed %d --steps %d   (valed log kept in %s)"
              % (self.a.datapath, self.seed, self.step, saved), flush=True)
        if self.a.stop_on_failure:
            raise Failure(detail)

    # --- processes -------------------------------------------------------------
    def run(self, cmd, timeout=30, check=False, user=None, ns=None, env=None):
        if ns:
            cmd = ["ip", "netns", "exec", ns] + cmd
        if user:
            cmd = ["setpriv", "--reuid=%s" % user, "--regid=%s" % user, "--clear-groups"] + cmd  # numeric: Debian's nobody is in nogroup
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True, env=env)
        except subprocess.TimeoutExpired:
            if check:
                raise
            return subprocess.CompletedProcess(cmd, 124, "", "timeout after %ss" % timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
        return r

    def ctl(self, *args, timeout=20, user=None):
        args = list(args)
        # Before a `--` (pipe open COMMAND), or the option would become part of COMMAND.
        at = args.index("--") if "--" in args else len(args)
        cmd = [self.a.valectl] + args[:at] + ["--socket", self.sock] + args[at:]
        r = self.run(cmd, timeout=timeout, user=user)
        if args[0] not in ("status", "list") or user:
            self.trace("step %d: %svalectl %s -> %d %s" % (self.step, "(uid %s) " % user if user else "", " ".join(args), r.returncode,
                                                      (r.stderr or r.stdout).strip().replace("\n", " | ")[:300]))
        return r

    def ctl_json(self, *args, timeout=10):
        r = self.ctl(*args, "--json", "--timeout", "5", timeout=timeout)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def start_valed(self):
        env = dict(os.environ)
        for k in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC"]:
            env.pop(k, None)
        args = ["--socket", self.sock, "--state-dir", self.state_dir, "--config", self.config,
                "--control-group", "root", "--log-level", "debug",
                "--forwarder-socket", self.switchd_sock, "--forwarder-state", self.switchd_state]
        if self.model:
            env["VALED_MODEL_STATE"] = self.model_state
            cmd = [self.a.valed_model] + args
        else:
            cmd = ["ip", "netns", "exec", self.hub, self.a.valed, "--datapath", "userspace"] + args
        log = open(self.log_path, "a")
        log.write("=== soak: start valed (step %d) ===\n" % self.step)
        log.flush()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()
        self.incarnation += 1
        self.stats["valed starts"] += 1
        self.counters.clear()
        self.settle_long = True
        deadline = now() + 30
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("valed exited with %s at start; log:\n%s" % (self.proc.returncode, self.log_tail()))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock)
                s.close()
                break
            except OSError:
                s.close()
                time.sleep(0.05)
        else:
            raise RuntimeError("valed did not open its socket within 30 s")
        # On start valed re-reads its configuration file: reload semantics.
        self.apply_reload_model(self.parse_config(self.good_config_text))

    def switchd_pids(self):
        """Live vale-switchd processes serving this run's forwarder socket."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    words = f.read().split(b"\0")
                with open("/proc/%s/stat" % entry) as f:
                    zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
            except (OSError, IndexError):
                continue
            if words and words[0].endswith(b"vale-switchd") and self.switchd_sock.encode() in words and not zombie:
                pids.append(int(entry))
        return pids

    def kill_switchd(self):
        """SIGKILLs this run's vale-switchd; True when none is left."""
        deadline = now() + 5
        while now() < deadline:
            pids = self.switchd_pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        return not self.switchd_pids()

    def valed_pid(self):
        """The pid of valed itself (under `ip netns exec`, which execs)."""
        return self.proc.pid if self.proc else None

    def stop_valed(self, sig):
        self.expected_exit = True
        try:
            os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("invariant", "valed did not exit within 20 s of signal %d" % sig)
            os.kill(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.expected_exit = False
        if sig == signal.SIGTERM and rc != 0:
            self.fail("invariant", "valed exited with status %s after SIGTERM; log tail:\n%s" % (rc, self.log_tail()))
        for m in self.monitors:
            m["disturbed"] = True

    def crash_excerpt(self):
        """The fatal error and the crashed thread's first frames from the
        last incarnation's log."""
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        lines = text[text.rfind("=== soak: start valed"):].splitlines()
        out = [l for l in lines if "Fatal error" in l or "fatal" in l.lower() and "error" in l.lower()][:3]
        for i, l in enumerate(lines):
            if l.startswith("Thread ") and l.rstrip().endswith("crashed:"):
                out += [l] + [x for x in lines[i + 1:i + 30] if x.strip()][:10]
                break
        return "\n".join("    " + l[:240] for l in (out or lines[-15:]))

    def trace(self, line):
        with open(os.path.join(self.work, "trace.txt"), "a") as f:
            f.write(line + "\n")

    def log_tail(self, n=25):
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return ""
        return "".join(lines[-n:])

    # --- topology --------------------------------------------------------------
    def setup(self):
        if self.model:
            self.run([self.a.kernel_model_tool, "init", self.model_state] + self.nics, check=True)
            self.write_config(self.gen_config())
            return
        self.add_ns(self.hub)
        names = {self.na: "a", self.nb: "b", self.nc: "c", self.nd: "d"}
        for i, n in enumerate(self.churn_nics):
            names[n] = "e%d" % i
        self.peer_ns = {}
        for n in self.nics:
            ns = self.ns_prefix + names[n]
            self.add_ns(ns)
            self.peer_ns[n] = ns
            self.make_veth(n)
        self.write_config(self.gen_config())

    def add_ns(self, ns):
        self.run(["ip", "netns", "del", ns])
        self.run(["ip", "netns", "add", ns], check=True)
        self.namespaces.append(ns)
        self.run(["ip", "link", "set", "lo", "up"], ns=ns, check=True)

    def make_veth(self, n):
        ns = self.peer_ns[n]
        mac_in = "02:5a:%s:%s:%02x:01" % (self.tag[:2], self.tag[2:], self.nics.index(n))
        self.run(["ip", "-n", ns, "link", "add", "v", "address", mac_in, "type", "veth", "peer", "name", n, "netns", self.hub], check=True)
        self.run(["ip", "-n", ns, "addr", "add", self.ip[n] + "/16", "dev", "v"], check=True)
        self.run(["ip", "-n", ns, "link", "set", "v", "up"], check=True)
        self.run(["ip", "-n", self.hub, "link", "set", n, "up"], check=True)
        # The veth ends keep their default offloads (TX checksum, TSO, GSO):
        # the userspace switch carries them with virtio-net headers (issue 11).

    def ensure_traffic(self):
        if self.model:
            return
        a, b = self.peer_ns[self.na], self.peer_ns[self.nb]
        want = {
            "iperf3-server": ["ip", "netns", "exec", b, "iperf3", "-s"],
            "ping": ["ip", "netns", "exec", a, "ping", "-f", "-q", self.ip[self.nb]],
            "iperf3": ["ip", "netns", "exec", a, "bash", "-c",
                       "while :; do iperf3 -c %s -t 30 -b 50M >/dev/null 2>&1; sleep 0.5; done" % self.ip[self.nb]],
        }
        for k, cmd in want.items():
            p = self.bg.get(k)
            if p is None or p.poll() is not None:
                self.bg[k] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    # --- configuration files ---------------------------------------------------
    def gen_config(self):
        """A random valid configuration: c and d always on vale1."""
        sw = {s: [] for s in self.switches}
        if not self.model:
            sw["vale1"] += [{"nic": self.nc}, {"nic": self.nd}]
        else:
            sw["vale1"] += [{"nic": self.nc}]
        for n in [self.na, self.nb] + self.churn_nics:
            if self.rng.random() < (0.8 if n in (self.na, self.nb) else 0.4):
                s = "vale0" if n in (self.na, self.nb) else self.rng.choice(["vale0", "vale2"])
                e = {"nic": n}
                if self.rng.random() < 0.2:
                    e["host-stack"] = True
                sw[s].append(e)
        free_ports = []
        for t in self.taps:
            r = self.rng.random()
            if r < 0.3:
                sw[self.rng.choice(["vale0", "vale2"])].append({"port": t})
            elif r < 0.45:
                free_ports.append(t)
        lines = []
        if not self.model:
            lines.append("datapath: userspace")
        lines.append("switches:")
        for s in self.switches:
            if not sw[s]:
                continue
            lines.append("  %s:" % s)
            lines.append("    ports:")
            for e in sw[s]:
                if "nic" in e:
                    lines.append("      - nic: %s" % e["nic"])
                    if e.get("host-stack"):
                        lines.append("        host-stack: true")
                else:
                    lines.append("      - port: %s" % e["port"])
        if free_ports:
            lines.append("ports:")
            for t in free_ports:
                lines.append("  - port: %s" % t)
        return "\n".join(lines) + "\n"

    def gen_bad_config(self):
        good = self.gen_config().splitlines()
        kind = self.rng.randrange(6)
        if kind == 0:
            good.insert(1, "bogus-key: 1")
        elif kind == 1:
            good.append("  lave9:\n    ports:\n      - nic: %s" % self.churn_nics[0])
        elif kind == 2:
            good.append("  vale3:\n    ports:\n      - nic: bad/name")
        elif kind == 3:
            good.append("  vale3:\n    ports:\n      - port: vale_x")
        elif kind == 4:
            good.append("  vale3:\n    ports:\n      - nic: %s\n        vnet-header: 7" % self.churn_nics[1])
        else:
            good = ["switches: [unclosed"]
        return "\n".join(good) + "\n"

    def write_config(self, text, good=True):
        with open(self.config + ".tmp", "w") as f:
            f.write(text)
        os.rename(self.config + ".tmp", self.config)
        if good:
            self.good_config_text = text

    def parse_config(self, text):
        """Our own generated configs only: -> (attachments, persistent ports)."""
        att, pp = {}, {}
        sw = None
        section = None
        last = None
        for line in text.splitlines():
            s = line.strip()
            if line.startswith("switches:"):
                section = "switches"
            elif line.startswith("ports:"):
                section = "ports"
            elif section == "switches" and line.startswith("  ") and not line.startswith("   ") and s.endswith(":"):
                sw = s[:-1]
            elif s.startswith("- nic: "):
                last = "%s:%s" % (sw, s[7:])
                att[last] = {"owner": "config", "host": False}
            elif s.startswith("host-stack: true") and last:
                att[last]["host"] = True
            elif s.startswith("- port: "):
                name = s[8:]
                pp[name] = "config"
                if section == "switches":
                    att["%s:%s" % (sw, name)] = {"owner": "config", "host": False, "tap": True}
        return att, pp

    # --- the harness's model of the desired state ------------------------------------
    def apply_reload_model(self, parsed):
        """DesiredState.replacing(owner: .config, with: file)."""
        fatt, fpp = parsed
        att = {k: v for k, v in self.att.items() if v["owner"] != "config"}
        pp = {k: v for k, v in self.pports.items() if v != "config"}
        for k, v in fpp.items():
            pp.setdefault(k, v)
        for k, v in fatt.items():
            iface = k.split(":", 1)[1]
            if not any(x.split(":", 1)[1] == iface for x in att):
                att[k] = dict(v)
        # A config port that a kept (runtime) attachment uses stays, owned like it.
        for k, v in att.items():
            iface = k.split(":", 1)[1]
            if iface not in pp and iface in self.pports:
                pp[iface] = v["owner"]
        self.att, self.pports = att, pp

    def apply_apply_model(self, parsed):
        fatt, fpp = parsed
        att, pp = {}, {}
        for k, v in fatt.items():
            v = dict(v)
            v["owner"] = self.att[k]["owner"] if k in self.att else "runtime"
            att[k] = v
        for k in fpp:
            pp[k] = self.pports.get(k, "runtime")
        self.att, self.pports = att, pp

    def switch_of(self, iface):
        for k in self.att:
            s, i = k.split(":", 1)
            if i == iface:
                return s
        return None

    def expected_list(self):
        out = set()
        for k, v in self.att.items():
            s, i = k.split(":", 1)
            if v.get("tap") or i in self.taps:
                kind = "persistent"   # a TAP on the userspace datapath is listed as persistent too
            else:
                kind = "nic+host" if v.get("host") else "nic"
            out.add((s, i, kind, v["owner"]))
        # Persistent ports on no switch are listed under the switch "".
        attached = set(k.split(":", 1)[1] for k in self.att)
        for t, owner in self.pports.items():
            if t not in attached:
                out.add(("", t, "persistent", owner))
        return out

    def observed_list(self, data):
        out, bad = set(), []
        for sw in data.get("switches", []):
            for p in sw.get("ports", []):
                if p.get("owner") == "foreign":
                    continue
                name = p["name"]
                if name.endswith("^"):
                    continue
                out.add((sw["name"], name, p["kind"], p["owner"]))
                if p.get("state") != "ok":
                    bad.append("%s:%s state %r" % (sw["name"], name, p.get("state")))
        return out, bad

    # --- invariants ------------------------------------------------------------
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_crash(self):
        if self.alive():
            return False
        rc = self.proc.returncode
        self.fail("crash", "valed died (exit status %s); log excerpt:\n%s" % (rc, self.crash_excerpt()))
        self.recover()
        return True

    def recover(self):
        for m in self.monitors:
            m["disturbed"] = True
        for sub in self.subscribers:
            sub["disturbed"] = True
        try:
            self.start_valed()
        except RuntimeError as e:
            self.fail("crash", "valed does not start again: %s" % e)
            raise Failure(str(e))

    def check_invariants(self):
        if self.check_crash():
            return
        # 1. valed answers status within 1 s.
        r = self.ctl("status", "--timeout", str(STATUS_TIMEOUT), timeout=STATUS_TIMEOUT + 5)
        if r.returncode != 0:
            try:   # a crashing valed needs seconds to print its backtrace
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if self.check_crash():
                return
            self.fail("invariant", "valectl status did not answer within %d s: %s" % (STATUS_TIMEOUT, r.stderr.strip()))
        # 2. list == desired (after a bounded settle time).
        limit = SETTLE_AFTER_RESTART if self.settle_long else SETTLE_SECONDS
        deadline = now() + limit
        exp = self.expected_list()
        while True:
            data = self.ctl_json("list")
            if data is not None:
                obs, bad = self.observed_list(data)
                if obs == exp and not bad:
                    break
            if now() > deadline:
                if self.check_crash():
                    return
                if data is None:
                    self.fail("invariant", "valectl list --json failed")
                else:
                    self.fail("invariant", "list != desired after %.0f s: missing %s, unexpected %s, not ok %s"
                              % (limit, sorted(exp - obs), sorted(obs - exp), bad))
                    self.resync()
                return
            time.sleep(0.2)
        self.settle_long = False
        self.check_counters(data)
        self.check_persistent_ports()
        if self.model:
            self.check_pipes()
        self.check_forwarding()
        self.check_resources()
        self.check_clients()

    def resync(self):
        """After a state mismatch: teardown + reload brings valed and the
        harness back to one known state (the configuration file)."""
        self.say("resync: teardown + reload")
        self.ctl("teardown", timeout=60)
        self.att, self.pports = {}, {}
        self.ctl("reload", timeout=60)
        self.apply_reload_model(self.parse_config(self.good_config_text))
        self.counters.clear()
        self.disturb()
        self.settle_long = True

    def check_counters(self, data):
        seen = {}
        for sw in data.get("switches", []):
            for p in sw.get("ports", []):
                c = p.get("counters")
                if not c:
                    continue
                k = "%s:%s" % (sw["name"], p["name"])
                seen[k] = (c["rxPackets"], c["txPackets"], c["drops"], c["rxBytes"], c["txBytes"])
        for k, v in seen.items():
            old = self.counters.get(k)
            if old and any(n < o for n, o in zip(v, old)):
                self.fail("invariant", "counters of %s decreased without a restart: %s -> %s" % (k, old, v))
        self.counters = seen

    def disturb(self, iface=None):
        """Monitors of iface (all with None) may end with an error now: the
        port was detached, re-created, flapped or reconfigured."""
        for m in self.monitors:
            if iface is None or m["port"].split(":", 1)[1] == iface:
                m["disturbed"] = True

    def forget_counters(self, iface):
        self.disturb(iface)
        for k in list(self.counters):
            if k.split(":", 1)[1] == iface:
                del self.counters[k]

    def check_persistent_ports(self):
        if self.model:
            try:
                with open(self.model_state) as f:
                    st = json.load(f)
                names = set(d["name"] for d in st.get("netdevs", []))
            except (OSError, ValueError, KeyError):
                return
        else:
            r = self.run(["ip", "-o", "link", "show"], ns=self.hub)
            names = set(l.split(":")[1].strip().split("@")[0] for l in r.stdout.splitlines() if l.count(":") >= 2)
        for t in self.taps:
            if (t in self.pports) != (t in names):
                # Allow a moment: reconcile of a persistent port is not in `list`.
                time.sleep(1)
                self.fail("invariant", "persistent port %s: desired %s, present %s" % (t, t in self.pports, t in names))

    def check_pipes(self):
        data = self.ctl_json("pipe", "list")
        if data is None:
            self.fail("invariant", "valectl pipe list --json failed")
            return
        names = set(p["name"] for p in data.get("pipes", []))
        if names != self.pipes:
            self.fail("invariant", "pipes %s != desired %s" % (sorted(names), sorted(self.pipes)))
            self.pipes = names

    def check_forwarding(self):
        if self.model:
            return
        s = self.switch_of(self.na)
        if s is None or s != self.switch_of(self.nb):
            return
        for _ in range(5):
            r = self.run(["ping", "-c", "1", "-W", "1", self.ip[self.nb]], ns=self.peer_ns[self.na], timeout=5)
            if r.returncode == 0:
                return
        self.fail("invariant", "%s and %s are both on %s but a ping does not get through" % (self.na, self.nb, s))

    def sample(self):
        pid = self.valed_pid()
        try:
            fds = len(os.listdir("/proc/%d/fd" % pid))
            threads = len(os.listdir("/proc/%d/task" % pid))
            # RssAnon: valed's own memory (heap, stacks). The packet rings
            # (16 MiB mmap per userspace port, filled as traffic flows) are
            # socket mappings counted in RssFile: they follow the number of
            # ports, not a leak, so they are reported but not bounded here.
            with open("/proc/%d/status" % pid) as f:
                status = dict(l.split(":", 1) for l in f if ":" in l)
            rss = int(status["RssAnon"].split()[0])
            self.rss_file = int(status.get("RssFile", "0 kB").split()[0])
            return fds, threads, rss
        except (OSError, StopIteration, KeyError, ValueError):
            return None

    def check_resources(self):
        s = self.sample()
        q = self.quiet.get(self.incarnation)
        if not s or not q:
            return
        clients = len(self.monitors) + len(self.subscribers)
        base = q[0]
        if s[0] > base[0] + FD_BOUND + 4 * clients:
            self.fail("invariant", "valed has %d fds (%d at warm-up, %d clients)" % (s[0], base[0], clients))
        if s[1] > base[1] + THREAD_BOUND + 2 * clients:
            self.fail("invariant", "valed has %d threads (%d at warm-up, %d clients)" % (s[1], base[1], clients))
        if s[2] > base[2] + RSS_BOUND_KIB:
            self.fail("invariant", "valed anonymous RSS %d KiB (%d KiB at warm-up)" % (s[2], base[2]))

    def quiet_sample(self):
        """No clients: stop monitors and subscribers, then sample."""
        self.stop_clients()
        time.sleep(1.0)
        s = self.sample()
        if not s:
            return
        q = self.quiet.setdefault(self.incarnation, [])
        q.append(s)
        if len(q) >= 2:
            fd_g, th_g, rss_g = s[0] - q[0][0], s[1] - q[0][1], s[2] - q[0][2]
            self.fd_growth = max(self.fd_growth, fd_g)
            self.rss_growth = max(self.rss_growth, rss_g)
            if fd_g > FD_BOUND or th_g > THREAD_BOUND:
                self.fail("invariant", "fd/thread growth %+d/%+d since warm-up of this valed (%s -> %s)" % (fd_g, th_g, q[0], s))
            if rss_g > RSS_BOUND_KIB:
                self.fail("invariant", "anonymous RSS grew by %d KiB since warm-up of this valed" % rss_g)
        self.say("quiet sample (incarnation %d): fds=%d threads=%d rss=%d KiB (anonymous; rings %d KiB)"
                 % ((self.incarnation,) + s + (getattr(self, "rss_file", 0),)))

    def check_clients(self):
        for m in list(self.monitors):
            rc = m["p"].poll()
            if rc is None:
                if now() - m["start"] > 20:
                    m["p"].send_signal(signal.SIGINT)
                    self.reap_monitor(m, interrupted=True)
                continue
            self.reap_monitor(m)
        for sub in list(self.subscribers):
            rc = sub["p"].poll()
            if rc is not None:
                self.subscribers.remove(sub)
                if not sub.get("disturbed"):
                    self.fail("invariant", "valectl events ended by itself (status %s): %s"
                              % (rc, open(sub["err"]).read()[-300:]))

    def reap_monitor(self, m, interrupted=False):
        try:
            rc = m["p"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            m["p"].kill()
            rc = m["p"].wait()
            if not m["disturbed"]:
                self.fail("invariant", "valectl monitor %s did not stop within 10 s of SIGINT" % m["port"])
        self.monitors.remove(m)
        if interrupted:
            self.stats["monitors killed"] += 1
        if interrupted or m["disturbed"] or self.model:
            return
        self.stats["monitors checked"] += 1
        if rc != 0:
            self.fail("invariant", "valectl monitor %s -c %d exited %d: %s" % (m["port"], m["count"], rc, open(m["err"]).read()[-300:]))
            return
        n = pcap_frames(m["file"])
        if n != m["count"]:
            self.fail("invariant", "valectl monitor %s -c %d wrote %s frames" % (m["port"], m["count"], n))

    def stop_clients(self):
        for m in list(self.monitors):
            if m["p"].poll() is None:
                m["p"].send_signal(signal.SIGINT)
            self.reap_monitor(m, interrupted=True)
        for sub in list(self.subscribers):
            self.end_subscriber(sub, signal.SIGINT)

    def end_subscriber(self, sub, sig):
        """Sends `sig` to a `valectl events` subscriber; it must be gone within 10 s."""
        sub["p"].send_signal(sig)
        try:
            sub["p"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            sub["p"].kill()
            sub["p"].wait()
            self.fail("invariant", "valectl events did not stop within 10 s of %s" % sig.name)
        self.subscribers.remove(sub)

    # --- operations --------------------------------------------------------------
    def expect(self, r, ok, what=None):
        want = "success" if ok else "refusal"
        if (r.returncode == 0) != ok or r.returncode in (2, 3, 124) and not ok:
            if self.check_crash():
                return
            self.fail("invariant", "expected %s, got exit %d: %s%s" % (want, r.returncode, (r.stderr or r.stdout).strip()[-400:],
                                                                         (" (" + what + ")") if what else ""))

    def op_attach(self):
        n = self.rng.choice([self.na, self.nb] + self.churn_nics * 2 + self.taps)
        s = self.rng.choice(["vale0", "vale0", "vale2"])
        host = n not in self.taps and self.rng.random() < 0.2
        args = ["attach", "%s:%s" % (s, n)] + (["--host-stack"] if host else [])
        self.current = "valectl " + " ".join(args)
        r = self.ctl(*args)
        cur = self.switch_of(n)
        k = "%s:%s" % (s, n)
        if n in self.taps and n not in self.pports:
            self.expect(r, False)
        elif cur is not None and cur != s:
            self.expect(r, False)
        elif cur == s:
            # Same switch: the host-stack setting follows the request, the owner stays.
            self.expect(r, True)
            if r.returncode == 0:
                self.att[k]["host"] = host
                self.forget_counters(n)
        else:
            self.expect(r, True)
            self.att[k] = {"owner": "runtime", "host": host, "tap": n in self.taps}

    def op_detach(self):
        attached = sorted(k for k in self.att if k.split(":", 1)[1] not in (self.nc, self.nd))
        if attached and self.rng.random() < 0.85:
            k = self.rng.choice(attached)
        else:
            k = "%s:%s" % (self.rng.choice(self.switches), self.rng.choice(self.churn_nics))
        self.current = "valectl detach " + k
        r = self.ctl("detach", k)
        self.expect(r, True)
        self.att.pop(k, None)
        self.forget_counters(k.split(":", 1)[1])

    def op_port_create(self):
        t = self.rng.choice(self.taps)
        s = self.rng.choice([None, "vale0", "vale2"])
        args = ["port", "create", t] + (["--switch", s] if s else [])
        if self.rng.random() < 0.3:
            args += ["--tx-slots", str(self.rng.choice([256, 1024, 2048]))] if self.model else []
        self.current = "valectl " + " ".join(args)
        if t in self.pports:
            return self.op_port_delete(t)
        r = self.ctl(*args)
        self.expect(r, True)
        self.pports[t] = "runtime"
        if s:
            self.att["%s:%s" % (s, t)] = {"owner": "runtime", "host": False, "tap": True}

    def op_port_delete(self, t=None):
        t = t or self.rng.choice(self.taps)
        self.current = "valectl port delete " + t
        r = self.ctl("port", "delete", t)
        self.expect(r, True)
        self.pports.pop(t, None)
        for k in [k for k in self.att if k.split(":", 1)[1] == t]:
            del self.att[k]
        self.forget_counters(t)

    def op_vnet_hdr(self):
        if not self.att:
            return self.op_reads()
        k = self.rng.choice(sorted(self.att))
        length = self.rng.choice([0, 10, 12])
        self.current = "valectl vnet-hdr set %s %d" % (k, length)
        r = self.ctl("vnet-hdr", "set", k, str(length))
        if self.model:
            # The model accepts PORT_HDR_SET on any attached port; only check valed survives.
            return
        self.expect(r, length == 0, "the userspace switch accepts length 0 only")

    def op_polling(self):
        if not self.model:
            return self.op_reads()
        nics = sorted(k for k, v in self.att.items() if not v.get("tap"))
        if not nics:
            return self.op_reads()
        k = self.rng.choice(nics)
        if self.rng.random() < 0.5:
            args = ["polling", "enable", k, "--cpu", str(self.rng.randrange(2)), "--cpus", "1"]
        else:
            args = ["polling", "disable", k]
        self.current = "valectl " + " ".join(args)
        r = self.ctl(*args)
        if r.returncode not in (0, 1):
            self.expect(r, True)

    def op_monitor(self):
        if len(self.monitors) >= MAX_MONITORS:
            return self.op_monitor_kill()
        ports = sorted(self.att)
        if not ports:
            return self.op_reads()
        busy = [k for k in ports if k.split(":", 1)[1] in (self.na, self.nb)]
        k = self.rng.choice(busy) if busy and self.rng.random() < 0.7 else self.rng.choice(ports)
        many = self.rng.random() < 0.3
        for i in range(self.rng.randrange(2, 5) if many else 1):
            if len(self.monitors) >= MAX_MONITORS:
                break
            count = self.rng.choice([1, 4, 16, 16, 64, 500])
            d = self.rng.choice(["--rx", "--tx", "--both"])
            f = os.path.join(self.work, "mon%d-%d.pcap" % (self.step, i))
            err = f + ".err"
            args = ["monitor", k, d, "-c", str(count), "-w", f]
            self.current = "valectl " + " ".join(args) + (" (x%d)" % (i + 1) if many else "")
            p = subprocess.Popen([self.a.valectl] + args + ["--socket", self.sock], stdout=subprocess.DEVNULL,
                                 stderr=open(err, "w"), start_new_session=True)
            self.monitors.append({"p": p, "port": k, "count": count, "file": f, "err": err, "start": now(),
                                  "disturbed": False})
        time.sleep(self.rng.choice([0, 0.05, 0.3]))

    def op_monitor_kill(self):
        live = [m for m in self.monitors if m["p"].poll() is None]
        if not live:
            return self.op_monitor() if len(self.monitors) < MAX_MONITORS else self.check_clients()
        m = self.rng.choice(live)
        sig = self.rng.choice([signal.SIGKILL, signal.SIGINT])
        self.current = "kill -%s valectl monitor %s" % (sig.name, m["port"])
        m["p"].send_signal(sig)
        self.reap_monitor(m, interrupted=True)

    def op_events(self):
        if self.subscribers and (len(self.subscribers) >= MAX_SUBSCRIBERS or self.rng.random() < 0.4):
            sub = self.rng.choice(self.subscribers)
            sig = self.rng.choice([signal.SIGKILL, signal.SIGINT])
            self.current = "kill -%s valectl events" % sig.name
            self.end_subscriber(sub, sig)
            return
        self.current = "valectl events --json (subscriber)"
        f = os.path.join(self.work, "events%d.json" % self.step)
        p = subprocess.Popen([self.a.valectl, "events", "--json", "--socket", self.sock], stdout=open(f, "w"),
                             stderr=open(f + ".err", "w"), start_new_session=True)
        self.subscribers.append({"p": p, "file": f, "err": f + ".err", "disturbed": False})

    def op_pipe(self):
        if not self.model:
            self.current = "valectl pipe list"
            r = self.ctl("pipe", "list")
            self.expect(r, False, "pipes exist only on the kernel datapath")
            return
        name = self.rng.choice(self.pipes_pool)
        what = self.rng.choice(["create", "create", "open", "delete", "list"])
        if what == "create":
            args = ["pipe", "create", name, "--slots", str(self.rng.choice([64, 256, 1024]))]
        elif what == "open":
            args = ["pipe", "open", name, "--end", self.rng.choice(["master", "slave"]), "--", "sleep", "0.2"]
        elif what == "delete":
            args = ["pipe", "delete", name]
        else:
            args = ["pipe", "list"]
        self.current = "valectl " + " ".join(args)
        r = self.ctl(*args)
        if what == "create":
            # Creating an existing pipe with other slots may be refused; must not crash.
            if name not in self.pipes:
                self.expect(r, True)
                self.pipes.add(name)
        elif what == "open":
            self.expect(r, name in self.pipes)
        elif what == "delete":
            # Like detach and port delete, deleting an absent pipe is no error
            # and says it changed nothing.
            self.expect(r, True)
            if r.returncode == 0 and name not in self.pipes and "does not exist" not in r.stdout + r.stderr:
                self.fail("invariant", "deleting the absent pipe %s did not say it does not exist: %s" % (name, (r.stdout + r.stderr).strip()[-300:]))
            self.pipes.discard(name)
        else:
            self.expect(r, True)

    def op_apply(self):
        if self.rng.random() < 0.35:
            text = self.gen_bad_config()
            f = os.path.join(self.work, "bad-apply.yaml")
            open(f, "w").write(text)
            self.current = "valectl apply -f (bad config)"
            r = self.ctl("apply", "-f", f)
            self.expect(r, False)
            return
        text = self.gen_config()
        f = os.path.join(self.work, "apply.yaml")
        open(f, "w").write(text)
        dry = self.rng.random() < 0.2
        self.current = "valectl apply -f apply.yaml" + (" --dry-run" if dry else "")
        r = self.ctl("apply", "-f", f, *(["--dry-run"] if dry else []), timeout=60)
        self.expect(r, True)
        if not dry:
            self.apply_apply_model(self.parse_config(text))
            self.counters.clear()
            self.disturb()

    def op_reload(self, via_signal=False):
        bad = self.rng.random() < 0.35
        text = self.gen_bad_config() if bad else self.gen_config()
        self.write_config(text, good=not bad)
        if via_signal:
            self.current = "kill -HUP valed (%s config)" % ("bad" if bad else "good")
            os.kill(self.proc.pid, signal.SIGHUP)
            time.sleep(0.5)
        else:
            self.current = "valectl reload (%s config)" % ("bad" if bad else "good")
            r = self.ctl("reload", timeout=60)
            self.expect(r, not bad)
        if bad:
            self.write_config(self.good_config_text)
        else:
            self.apply_reload_model(self.parse_config(text))
            self.counters.clear()
            self.disturb()

    def op_sighup(self):
        self.op_reload(via_signal=True)

    def op_restart(self):
        sig = self.rng.choice([signal.SIGTERM, signal.SIGKILL])
        self.current = "kill -%s valed; start valed" % sig.name
        self.stop_valed(sig)
        for sub in self.subscribers:
            sub["disturbed"] = True
        time.sleep(self.rng.choice([0, 0.2, 1.0]))
        self.start_valed()

    def op_forwarder_kill(self):
        """kill -9 of vale-switchd (userspace datapath), half the times with
        its state file removed first, so the new process starts with no
        switch. valed restarts it and, seeing a new process, reconciles:
        list == desired and traffic must hold again within the restart
        settle time, with no crash of valed."""
        pids = [] if self.model else self.switchd_pids()
        if not pids:
            self.current = "kill -9 vale-switchd: none running"
            return
        lose = self.rng.random() < 0.5
        self.current = "kill -9 vale-switchd%s" % (" with its state file removed" if lose else "")
        if lose:
            try:
                os.unlink(self.switchd_state)
            except OSError:
                pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        # A new process: its counters start at zero, its monitors end.
        self.counters.clear()
        self.disturb()
        self.settle_long = True

    def op_teardown(self):
        self.current = "valectl teardown"
        r = self.ctl("teardown", timeout=60)
        self.expect(r, True)
        self.att, self.pports = {}, {}
        self.counters.clear()
        self.disturb()

    def op_iface_recreate(self):
        if self.model:
            return self.op_reads()
        n = self.rng.choice(self.churn_nics + [self.na, self.nb, self.nc])
        self.current = "ip link del %s; sleep; re-create" % n
        for m in self.monitors:
            if m["port"].endswith(":" + n):
                m["disturbed"] = True
        self.run(["ip", "-n", self.hub, "link", "del", n])
        time.sleep(self.rng.choice([0, 0.3, 1.5]))
        self.make_veth(n)
        self.forget_counters(n)

    def op_flap(self):
        if self.model:
            return self.op_reads()
        n = self.rng.choice(self.nics)
        side = self.rng.choice(["hub", "peer"])
        self.current = "ip link set %s down/up (%s side)" % (n, side)
        for m in self.monitors:
            if m["port"].endswith(":" + n):
                m["disturbed"] = True
        if side == "hub":
            args = ["ip", "-n", self.hub, "link", "set", n]
        else:
            args = ["ip", "-n", self.peer_ns[n], "link", "set", "v"]
        self.run(args + ["down"])
        time.sleep(self.rng.choice([0, 0.2, 1.0]))
        self.run(args + ["up"])
        self.forget_counters(n)

    def op_unprivileged(self):
        reads = [["status"], ["list"], ["list", "--json"], ["config", "show"], ["pipe", "list"] if self.model else ["status"]]
        if self.att:
            reads.append(["port", "show", self.rng.choice(sorted(self.att))])
        muts = [["attach", "vale0:" + self.churn_nics[0]], ["detach", "vale1:" + self.nc], ["reload"], ["teardown"],
                ["port", "create", self.taps[0]], ["port", "delete", self.taps[1]], ["vnet-hdr", "set", "vale0:" + self.na, "0"]]
        if self.model:
            muts.append(["pipe", "create", "nobodyp"])
        if self.rng.random() < 0.5:
            args = self.rng.choice(reads)
            self.current = "setpriv nobody valectl " + " ".join(args)
            r = self.ctl(*args, user="65534")
            self.expect(r, True, "reads are open to everyone")
        else:
            args = self.rng.choice(muts)
            self.current = "setpriv nobody valectl " + " ".join(args)
            r = self.ctl(*args, user="65534")
            self.expect(r, False, "mutations need root or group valed")
            if r.returncode == 1 and "permission" not in (r.stderr + r.stdout).lower() and "root" not in r.stderr:
                self.fail("invariant", "refusal of an unprivileged mutation does not say why: %s" % r.stderr.strip())

    def op_parallel(self):
        """Several mutations at once on disjoint objects (2 to 4 churn NICs or
        TAP ports): each one toggles (attach <-> detach, create <-> delete).
        All must succeed and the result must be what each alone would give."""
        pool = self.churn_nics + self.taps
        chosen = self.rng.sample(pool, self.rng.randrange(2, 5))
        jobs = []
        for n in chosen:
            cur = self.switch_of(n)
            if n in self.taps:
                if n in self.pports:
                    args, effect = ["port", "delete", n], ("pdel", n, None)
                else:
                    s = self.rng.choice(["vale0", "vale2"])
                    args, effect = ["port", "create", n, "--switch", s], ("pcreate", n, s)
            elif cur:
                args, effect = ["detach", "%s:%s" % (cur, n)], ("detach", n, cur)
            else:
                s = self.rng.choice(["vale0", "vale2"])
                args, effect = ["attach", "%s:%s" % (s, n)], ("attach", n, s)
            jobs.append((args, effect))
        self.current = "parallel: " + " & ".join("valectl " + " ".join(a) for a, _ in jobs)
        procs = [subprocess.Popen([self.a.valectl] + a + ["--socket", self.sock], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for a, _ in jobs]
        for p, (args, (kind, n, sw)) in zip(procs, jobs):
            try:
                out, err = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            r = subprocess.CompletedProcess(args, p.returncode, out, err)
            self.trace("step %d: valectl %s -> %d %s" % (self.step, " ".join(args), r.returncode, (err or out).strip()[:200]))
            self.expect(r, True, "parallel")
            if r.returncode != 0:
                continue
            if kind == "pdel":
                self.pports.pop(n, None)
                for k in [k for k in self.att if k.split(":", 1)[1] == n]:
                    del self.att[k]
            elif kind == "pcreate":
                self.pports[n] = "runtime"
                self.att["%s:%s" % (sw, n)] = {"owner": "runtime", "host": False, "tap": True}
            elif kind == "detach":
                self.att.pop("%s:%s" % (sw, n), None)
            else:
                self.att["%s:%s" % (sw, n)] = {"owner": "runtime", "host": False, "tap": False}
            self.forget_counters(n)

    def op_reads(self):
        choices = [["status"], ["list"], ["config", "show"], ["module", "status"]]
        if self.att:
            k = self.rng.choice(sorted(self.att))
            choices.append(["port", "show", k])
            if not self.model and not self.att[k].get("tap"):
                choices.append(["nic", "show", k.split(":", 1)[1]])
        args = self.rng.choice(choices)
        self.current = "valectl " + " ".join(args)
        r = self.ctl(*args)
        if args[0] == "module" and not self.model:
            return   # no netmap module here: either answer is fine, valed must survive
        self.expect(r, True)

    def op_udp_burst(self):
        """A controlled UDP burst between the quiet pair c -> d on vale1:
        sent == received + counted drops."""
        if self.model:
            return self.op_reads()
        self.current = "udp burst %s -> %s" % (self.nc, self.nd)
        if self.switch_of(self.nc) != "vale1" or self.switch_of(self.nd) != "vale1":
            return
        nsc, nsd = self.peer_ns[self.nc], self.peer_ns[self.nd]
        # Learn MACs/ARP first.
        self.run(["ping", "-c", "2", "-i", "0.2", "-W", "1", self.ip[self.nd]], ns=nsc, timeout=5)
        before = self.burst_counters()
        port = 40000 + self.step % 20000
        recv = subprocess.Popen(["ip", "netns", "exec", nsd, "python3", "-c", UDP_RECEIVER, str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        s = self.run(["python3", "-c", UDP_SENDER, self.ip[self.nd], str(port), str(UDP_BURST)], ns=nsc, timeout=30)
        time.sleep(1.5)  # the block retire timeout is 1 ms; leave room for a busy machine
        recv.send_signal(signal.SIGTERM)
        out, _ = recv.communicate(timeout=10)
        after = self.burst_counters()
        try:
            sent = int(s.stdout.strip())
            received = int(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.fail("invariant", "UDP burst helpers failed: %s / %s" % (s.stderr.strip(), out))
            return
        if before is None or after is None:
            return
        drops = {k: after[k] - before[k] for k in after}
        counted = sum(drops.values())
        self.stats["udp bursts"] += 1
        self.trace("step %d: udp burst sent %d received %d counted drops %d" % (self.step, sent, received, counted))
        if sent != received + counted:
            self.fail("invariant", "UDP burst: sent %d, received %d, counted drops %d (%s)" % (sent, received, counted, drops))

    def burst_counters(self):
        """Every place a frame of the burst can be dropped and counted."""
        res = {}
        for k, field in (("vale1:%s" % self.nc, "rx"), ("vale1:%s" % self.nd, "tx")):
            d = self.ctl_json("port", "show", k)
            if d is None:
                return None
            res["switch " + k] = d["port"]["counters"]["drops"]
        res["udp rcvbuf d"] = snmp_udp(self.run(["cat", "/proc/net/snmp"], ns=self.peer_ns[self.nd]).stdout)
        for ns, dev, key in ((self.peer_ns[self.nc], "v", "tx_dropped"), (self.peer_ns[self.nd], "v", "rx_dropped"),
                             (self.hub, self.nd, "tx_dropped"), (self.hub, self.nc, "rx_dropped")):
            r = self.run(["cat", "/sys/class/net/%s/statistics/%s" % (dev, key)], ns=ns)
            res["%s %s" % (dev if dev != "v" else ns, key)] = int(r.stdout.strip() or 0)
        return res

    # --- main loop -------------------------------------------------------------
    OPS = [
        ("attach", 10), ("detach", 8), ("port_create", 5), ("port_delete", 3), ("vnet_hdr", 3), ("polling", 3),
        ("monitor", 8), ("monitor_kill", 4), ("events", 4), ("pipe", 4), ("apply", 4), ("reload", 4), ("sighup", 2),
        ("restart", 1), ("teardown", 1), ("iface_recreate", 3), ("flap", 4), ("unprivileged", 5), ("reads", 4),
        ("udp_burst", 3), ("parallel", 4), ("forwarder_kill", 2),
    ]

    def main(self):
        self.t0 = now()
        self.setup()
        self.start_valed()
        self.ensure_traffic()
        self.check_invariants()
        names = [n for n, _ in self.OPS]
        weights = [0 if n in self.a.skip else w for n, w in self.OPS]
        warm = False
        while now() < self.deadline and (self.a.steps is None or self.step < self.a.steps):
            self.step += 1
            op = self.rng.choices(names, weights)[0]
            self.current = op
            getattr(self, "op_" + op)()
            self.trace("step %d done: %s" % (self.step, self.current))
            self.recent = (self.recent + ["step %d: %s" % (self.step, self.current)])[-4:]
            self.ops += 1
            self.ensure_traffic()
            self.check_invariants()
            if self.step % QUIET_EVERY == 0:
                self.quiet_sample()
            if self.step % 50 == 0:
                self.say("%d ops, %d crashes, %d invariant failures" % (self.ops, self.crashes, self.failures))
        self.current = "final quiet sample"
        self.quiet_sample()


UDP_SENDER = r"""
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
for i in range(n):
    try:
        s.sendto(b"x" * 64, (host, port)); sent += 1
    except OSError:
        pass
    if i % 50 == 49: time.sleep(0.005)
print(sent)
"""

UDP_RECEIVER = r"""
import socket, sys, signal
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("0.0.0.0", port))
n = 0
def done(*a):
    s.setblocking(False)
    global n
    try:
        while True: s.recv(2048); n += 1
    except OSError: pass
    print(n, flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    s.recv(2048); n += 1
"""


def snmp_udp(text):
    lines = [l.split() for l in text.splitlines() if l.startswith("Udp:")]
    if len(lines) < 2:
        return 0
    d = dict(zip(lines[0][1:], lines[1][1:]))
    return int(d.get("InErrors", 0))  # includes RcvbufErrors


def pcap_frames(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if len(data) < 24:
        return 0
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        n += 1
    return n


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps (replay)")
    p.add_argument("--datapath", choices=["userspace", "model"], default="userspace")
    p.add_argument("--valed", required=True)
    p.add_argument("--valectl", required=True)
    p.add_argument("--valed-model")
    p.add_argument("--kernel-model-tool")
    p.add_argument("--workdir", required=True)
    p.add_argument("--keep-dir", required=True, help="where valed logs of failures are kept")
    p.add_argument("--stop-on-failure", action="store_true")
    p.add_argument("--skip", default="", help="comma-separated operations never to choose, e.g. monitor,monitor_kill")
    a = p.parse_args()
    a.skip = set(x for x in a.skip.split(",") if x)
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(4), "little")
    return a


def interrupted(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    signal.signal(signal.SIGTERM, interrupted)
    a = parse()
    h = Harness(a)
    print("soak: datapath=%s seed=%d minutes=%g workdir=%s" % (a.datapath, a.seed, a.minutes, a.workdir), flush=True)
    code = 0
    try:
        h.main()
    except Failure:
        pass
    except KeyboardInterrupt:
        print("soak: interrupted at step %d" % h.step, flush=True)
        code = 130
    except Exception as e:  # the harness itself broke: count it, keep the log
        import traceback
        traceback.print_exc()
        try:
            h.fail("invariant", "harness error: %r" % e)
        except Failure:
            pass
    finally:
        try:
            h.stop_clients()
        except Exception:
            pass
        for p in h.bg.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        if h.alive():
            h.expected_exit = True
            h.proc.terminate()
            try:
                h.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                h.proc.kill()
        # valed leaves vale-switchd forwarding on purpose; the run ends it.
        if not h.kill_switchd():
            print("soak: vale-switchd of this run would not die: %s" % h.switchd_pids(), flush=True)
        if h.crashes or h.failures:
            try:
                shutil.copy(h.log_path, os.path.join(h.keep, "valed-seed%d.log" % h.seed))
            except OSError:
                pass
            print("soak: seed=%d; valed log kept in %s" % (h.seed, h.keep), flush=True)
        for ns in h.namespaces:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    print("soak: " + ", ".join("%s=%d" % kv for kv in h.stats.items()), flush=True)
    print("ops=%d, crashes=%d, invariant failures=%d, fd growth=%d, rss growth=%d KiB"
          % (h.ops, h.crashes, h.failures, h.fd_growth, h.rss_growth), flush=True)
    return 1 if h.crashes or h.failures else code


if __name__ == "__main__":
    sys.exit(main())
