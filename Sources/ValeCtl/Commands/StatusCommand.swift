import ArgumentParser
import ValeProtocol

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show valed's version, datapath, module state, counts and the last reconcile.",
        discussion: """
            The datapath is "kernel" (netmap VALE through /dev/netmap, with the netmap API \
            version) or "userspace" (valed's own switch), with the reason it was chosen.

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
        return Output.keyValues(pairs)
    }
}
