import ArgumentParser
import NetmapKit
import ValeProtocol

struct TunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tunnel",
        abstract: "Create, delete and list overlay ports (VXLAN and Geneve tunnels to other hosts).",
        discussion: """
            A tunnel stretches a switch across hosts: valed creates a kernel VXLAN or Geneve \
            device with netlink, sets its MTU, gives it its remotes and attaches it to the switch \
            like any port. Each host runs its own valed with a tunnel to the others; frames for \
            MACs behind another host travel inside UDP to it. valed deletes only the tunnels it \
            created, keeps them across restarts, and deletes them on teardown.

            The tunnel's MTU is the underlay's minus 50 bytes (VXLAN or Geneve over IPv4) or 70 \
            (over IPv6). The underlay is the --dev device, or else the interface the route to \
            the first remote leaves by. Ports of the switch with a larger MTU are named in a \
            warning: the kernel drops frames too large for the tunnel.

            See docs/overlays.md.
            """,
        subcommands: [TunnelCreateCommand.self, TunnelDeleteCommand.self, TunnelListCommand.self])
}

struct TunnelCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a VXLAN or Geneve device and attach it to a switch with --switch.",
        discussion: """
            VXLAN takes several remotes: each becomes a default entry of the device's forwarding \
            database (what `bridge fdb append 00:00:00:00:00:00 dev NAME dst IP` adds), so \
            broadcast and unknown unicast go to every remote and learned MACs to one. Geneve \
            takes exactly one remote and no --local or --dev (the kernel's geneve device has \
            neither).

            Creating a tunnel that exists with the same settings succeeds and says so; with \
            other settings it is refused (delete it first). A name used by an interface valed \
            did not create is refused.

            Examples:
              valectl tunnel create vx0 --switch vale0 --vni 42 --remote 192.0.2.2
              valectl tunnel create vx1 --vni 43 --remote 192.0.2.2 --remote 192.0.2.3
              valectl tunnel create vx2 --vni 44 --remote 192.0.2.2 --dev eth0
              valectl tunnel create gn0 --type geneve --vni 7 --remote 2001:db8::2
            """)

    @Argument(help: ArgumentHelp("The device's name (an interface name not starting with val).", valueName: "name"))
    var name: String

    @Option(name: .customLong("switch"), help: ArgumentHelp("Attach the tunnel to this switch.", valueName: "switch"))
    var switchName: String?

    @Option(name: .customLong("type"), help: ArgumentHelp("vxlan or geneve.", valueName: "type"))
    var kind: String = "vxlan"

    @Option(help: ArgumentHelp("The virtual network identifier, 0-16777215; both ends must use the same.", valueName: "n"))
    var vni: Int

    @Option(name: .customLong("remote"), help: ArgumentHelp("A remote VTEP's IPv4 or IPv6 address; repeat for several (VXLAN).", valueName: "address"))
    var remotes: [String] = []

    @Option(help: ArgumentHelp("Source address of the encapsulated packets (VXLAN).", valueName: "address"))
    var local: String?

    @Option(name: .customLong("dev"), help: ArgumentHelp("The underlay device (VXLAN); its MTU decides the tunnel's.", valueName: "interface"))
    var underlay: String?

    @Option(help: ArgumentHelp("UDP destination port (default: 4789 for VXLAN, 6081 for Geneve).", valueName: "port"))
    var port: Int?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        try NameArgument.check { try InterfaceName.validateNewInterface(name) }
        if let switchName { try NameArgument.check { try VALESwitchName.validate(switchName) } }
        if let underlay { try NameArgument.check { try InterfaceName.validate(underlay) } }
        guard kind == "vxlan" || kind == "geneve" else { throw ValidationError("--type must be vxlan or geneve, not '\(kind)'") }
        guard (0...16_777_215).contains(vni) else { throw ValidationError("--vni must be between 0 and 16777215, not \(vni)") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535, not \(port)") }
        if remotes.isEmpty { throw ValidationError("give at least one --remote ADDRESS") }
    }

    func run() throws {
        let parameters = TunnelCreateParameters(name: name, switchName: switchName, kind: kind, vni: vni, remotes: remotes,
                                                local: local, underlay: underlay, port: port)
        try Session(options).run(.tunnelCreate, parameters, as: TunnelCreateReply.self) { $0.message }
    }
}

struct TunnelDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Detach a tunnel and delete its device.",
        discussion: """
            Only tunnels valed created are deleted; a tunnel the configuration file declares is \
            removed by editing the file and reloading. Deleting a tunnel that does not exist \
            succeeds and says so.

            Examples:
              valectl tunnel delete vx0
            """)

    @Argument(help: ArgumentHelp("The tunnel's name.", valueName: "name"))
    var name: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { try NameArgument.check { try InterfaceName.validate(name) } }

    func run() throws {
        try Session(options).run(.tunnelDelete, NameParameters(name: name), as: ChangeReply.self) { $0.message }
    }
}

struct TunnelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tunnels valed manages: type, VNI, remotes, switch, MTU, owner, state.",
        discussion: """
            Examples:
              valectl tunnel list
              valectl tunnel list --json
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.tunnelList, as: TunnelListReply.self) { Self.render($0.tunnels) }
    }

    static func render(_ tunnels: [Tunnel]) -> String {
        if tunnels.isEmpty { return "no tunnels" }
        return Output.table(["NAME", "TYPE", "VNI", "REMOTES", "PORT", "SWITCH", "MTU", "OWNER", "STATE"], tunnels.map { t in
            var remotes = t.remotes.joined(separator: ",")
            if let local = t.local { remotes += " (from \(local))" }
            if let dev = t.underlay { remotes += " dev \(dev)" }
            return [t.name, t.kind, "\(t.vni)", remotes, "\(t.port)", t.switchName ?? "-", Output.optional(t.mtu), t.owner.rawValue, StateText.render(t)]
        })
    }
}
