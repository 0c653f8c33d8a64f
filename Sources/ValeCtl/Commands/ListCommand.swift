import ArgumentParser
import NetmapKit
import ValeProtocol

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List switches and their ports.",
        discussion: """
            One line per port: switch, port, kind (nic, nic+host, persistent, ephemeral, tap, tunnel), \
            owner (config: from the configuration file; runtime: made with valectl; foreign: \
            made by another program, never touched by valed), state (ok, missing, or the \
            error), bridge and port index, carrier and counters. A switch without ports is \
            listed with "-" as its port.

            Examples:
              valectl list
              valectl list vale0
              valectl list --json | jq '.switches[].ports[].name'
            """)

    @Argument(help: ArgumentHelp("Only this switch.", valueName: "switch"))
    var switchName: String?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if let switchName { try NameArgument.check { try VALESwitchName.validate(switchName) } }
    }

    func run() throws {
        try Session(options).run(.list, ListParameters(switchName: switchName), as: ListReply.self) { Self.render($0) }
    }

    static func render(_ reply: ListReply) -> String {
        guard !reply.switches.isEmpty else { return "no switches" }
        var rows: [[String]] = []
        for item in reply.switches {
            if item.ports.isEmpty {
                rows.append([item.name, "-", "-", item.owner.rawValue, "-", Output.optional(item.bridgeIndex), "-", "-", "-", "-", "-"])
            }
            for port in item.ports {
                rows.append([
                    item.name, port.name, port.kind.rawValue, port.owner.rawValue, StateText.render(port),
                    Output.optional(port.bridgeIndex ?? item.bridgeIndex), Output.optional(port.portIndex),
                    port.carrier.map { $0 ? "up" : "down" } ?? "-",
                    Output.optional(port.counters?.rxPackets), Output.optional(port.counters?.txPackets),
                    Output.optional(port.counters?.drops),
                ])
            }
        }
        return Output.table(["SWITCH", "PORT", "KIND", "OWNER", "STATE", "BRIDGE", "INDEX", "CARRIER", "RX-PKTS", "TX-PKTS", "DROPS"], rows)
    }
}
