import ArgumentParser
import NetmapKit
import ValeProtocol

struct PortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port",
        abstract: "Create, delete and show persistent ports.",
        discussion: """
            A persistent port is a VALE interface that exists without a program holding it \
            (netmap VALE_NEWIF; a TAP device on the userspace datapath), e.g. for a VM: \
            qemu ... -netdev tap,ifname=vm1,script=no,downscript=no.
            """,
        subcommands: [PortCreateCommand.self, PortDeleteCommand.self, PortShowCommand.self])
}

struct PortCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a persistent port, and attach it to a switch with --switch.",
        discussion: """
            Ring and slot counts default to netmap's (1 ring, 1024 slots per direction). \
            Creating a port that exists with the same settings succeeds and says so.

            Examples:
              valectl port create vm1 --switch vale0
              valectl port create vm2 --tx-slots 2048 --rx-slots 2048
            """)

    @Argument(help: ArgumentHelp("The port's name (an interface name not starting with vale).", valueName: "name"))
    var name: String

    @Option(name: .customLong("switch"), help: ArgumentHelp("Attach the new port to this switch.", valueName: "switch"))
    var switchName: String?

    @Option(name: .long, help: ArgumentHelp("Slots per transmit ring (1-4096).", valueName: "n"))
    var txSlots: Int?
    @Option(name: .long, help: ArgumentHelp("Slots per receive ring (1-4096).", valueName: "n"))
    var rxSlots: Int?
    @Option(name: .long, help: ArgumentHelp("Transmit rings (1-16).", valueName: "n"))
    var txRings: Int?
    @Option(name: .long, help: ArgumentHelp("Receive rings (1-16).", valueName: "n"))
    var rxRings: Int?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        try NameArgument.check { try InterfaceName.validateNewInterface(name) }
        if let switchName { try NameArgument.check { try VALESwitchName.validate(switchName) } }
        for (option, value, limit) in [("--tx-slots", txSlots, VALELimits.maxSlotsPerRing), ("--rx-slots", rxSlots, VALELimits.maxSlotsPerRing),
                                       ("--tx-rings", txRings, VALELimits.maxRingsPerDirection), ("--rx-rings", rxRings, VALELimits.maxRingsPerDirection)] {
            if let value, !(1...limit).contains(value) {
                throw ValidationError("\(option) must be between 1 and \(limit), not \(value)")
            }
        }
    }

    func run() throws {
        let parameters = CreatePortParameters(name: name, switchName: switchName, txSlots: txSlots, rxSlots: rxSlots,
                                              txRings: txRings, rxRings: rxRings)
        try Session(options).run(.createPort, parameters, as: CreatePortReply.self) { $0.message }
    }
}

struct PortDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a persistent port, detaching it first.",
        discussion: """
            Deleting a port that does not exist succeeds and says so.

            Examples:
              valectl port delete vm1
            """)

    @Argument(help: ArgumentHelp("The port's name.", valueName: "name"))
    var name: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { try NameArgument.check { try InterfaceName.validateNewInterface(name) } }

    func run() throws {
        try Session(options).run(.deletePort, NameParameters(name: name), as: ChangeReply.self) { $0.message }
    }
}

struct PortShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a port: kind, owner, attachments, rings, memory region, vnet header, counters.",
        discussion: """
            NAME is SWITCH:PORT (vale0:eth0) or the name of a persistent port (vm1).

            Examples:
              valectl port show vale0:eth0
              valectl port show vm1 --json
            """)

    @Argument(help: ArgumentHelp("SWITCH:PORT or a persistent port's name.", valueName: "name"))
    var name: String

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if name.contains(":") {
            _ = try NameArgument.switchAndPort(name, argument: "NAME")
        } else {
            try NameArgument.check { try InterfaceName.validate(name) }
        }
    }

    func run() throws {
        try Session(options).run(.showPort, NameParameters(name: name), as: ShowPortReply.self) { Self.render($0.port) }
    }

    static func render(_ port: PortDetails) -> String {
        var pairs: [(String, String)] = [("name", port.name), ("kind", port.kind.rawValue), ("owner", port.owner.rawValue)]
        if port.attachments.isEmpty {
            pairs.append(("attached", "no"))
        }
        for attachment in port.attachments {
            var text = "\(attachment.qualifiedName), state \(StateText.render(attachment))"
            if let index = attachment.portIndex { text += ", bridge \(Output.optional(attachment.bridgeIndex)) port \(index)" }
            if let carrier = attachment.carrier { text += ", carrier \(carrier ? "up" : "down")" }
            pairs.append(("attached", text))
        }
        if let geometry = port.geometry {
            pairs.append(("tx rings", "\(geometry.txRings) x \(geometry.txSlots) slots"))
            pairs.append(("rx rings", "\(geometry.rxRings) x \(geometry.rxSlots) slots"))
        }
        pairs.append(("memory id", Output.optional(port.memoryId)))
        pairs.append(("vnet header", port.vnetHeaderLength.map { "\($0) bytes" } ?? "-"))
        pairs.append(("polling", port.polling.map { "\($0.cpus) CPU(s) from CPU \($0.firstCPU)" } ?? "off"))
        pairs.append(("counters", Output.counters(port.counters)))
        if let nic = port.nicCounters { pairs.append(("nic counters", Output.counters(nic))) }
        return Output.keyValues(pairs)
    }
}
