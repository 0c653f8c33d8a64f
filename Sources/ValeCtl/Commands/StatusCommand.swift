import ArgumentParser
import ValeProtocol

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show valed's version, datapath, module state, counts and the last reconcile.",
        discussion: """
            The datapath is "kernel" (netmap VALE through /dev/netmap, with the netmap API \
            version) or "userspace" (valed's own switch), with the reason it was chosen.

            On the userspace datapath the switches run in vale-switchd, a process of \
            their own that outlives restarts of valed: "forwarder" shows its pid, \
            uptime, how often it was started again from its state file, its socket, \
            and whether valed started it (spawn) or a service manager runs it (external).

            Examples:
              valectl status
              valectl status --json
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.status, as: StatusReply.self) { Self.render($0) }
    }

    static func render(_ reply: StatusReply) -> String {
        var datapath = reply.datapath.kind.rawValue
        if let api = reply.datapath.netmapAPIVersion { datapath += " (netmap API \(api))" }
        datapath += ": \(reply.datapath.reason)"
        var pairs = [
            ("version", reply.version),
            ("datapath", datapath),
            ("module", "\(reply.module.name) \(reply.module.state.rawValue): \(reply.module.reason)"),
            ("switches", String(reply.switches)),
            ("ports", String(reply.ports)),
        ]
        if let last = reply.lastReconcile {
            pairs.append(("last reconcile", "\(last.ok ? "ok" : "failed") at \(last.time), \(last.applied) applied, \(last.failed) failed: \(last.message)"))
        } else {
            pairs.append(("last reconcile", "none yet"))
        }
        if let f = reply.forwarder {
            pairs.append(("forwarder", Self.forwarder(f)))
        }
        return Output.keyValues(pairs)
    }

    static func forwarder(_ f: Forwarder) -> String {
        let who = f.mode == .spawn ? "started by valed" : "run by its service"
        guard f.running, let pid = f.pid else {
            return "vale-switchd not running (\(who), socket \(f.socket)): \(f.problem ?? "no answer")"
        }
        let uptime = f.uptimeSeconds.map { Self.duration($0) } ?? "?"
        return "vale-switchd pid \(pid), up \(uptime), \(f.restarts) restart\(f.restarts == 1 ? "" : "s") (\(who), socket \(f.socket))"
    }

    /// 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86400) d \(s % 86400 / 3600) h"
    }
}
