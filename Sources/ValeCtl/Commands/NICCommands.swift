import ArgumentParser
import NetmapKit
import ValeProtocol

struct NICCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nic",
        abstract: "Show NICs as valed sees them.",
        subcommands: [NICShowCommand.self])
}

struct NICShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a NIC: link state, driver, counters, and every setting valed changed with its saved value.",
        discussion: """
            SAVED is the value before valed changed the setting; it is restored on detach \
            and teardown. FIXED settings cannot be changed on this driver.

            Examples:
              valectl nic show eth0
            """)

    @Argument(help: ArgumentHelp("The interface.", valueName: "if"))
    var interface: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { try NameArgument.check { try InterfaceName.validate(interface) } }

    func run() throws {
        try Session(options).run(.showNIC, ShowNICParameters(interface: interface), as: ShowNICReply.self) { Self.render($0.nic) }
    }

    static func render(_ nic: NICInfo) -> String {
        var text = Output.keyValues([
            ("name", nic.name),
            ("index", String(nic.index)),
            ("driver", Output.optional(nic.driver)),
            ("mtu", String(nic.mtu)),
            ("link", "\(nic.up ? "up" : "down"), carrier \(nic.carrier ? "up" : "down"), operstate \(nic.operState)"),
            ("promiscuous", Output.yesNo(nic.promiscuous)),
            ("attached to", Output.optional(nic.attachedTo)),
            ("counters", Output.counters(nic.counters)),
        ])
        if !nic.settings.isEmpty {
            text += "\n\n" + Output.table(["SETTING", "CURRENT", "SAVED", "FIXED"], nic.settings.map {
                [$0.name, Output.optional($0.current), Output.optional($0.saved), $0.fixed ? "yes" : "no"]
            })
        }
        for warning in nic.warnings { text += "\nwarning: \(warning)" }
        return text
    }
}
