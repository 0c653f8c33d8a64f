import ArgumentParser
import ValeProtocol

struct PollingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polling",
        abstract: "Start or stop kernel polling threads for an attached NIC.",
        discussion: """
            netmap can poll a NIC's rings from kernel threads pinned to CPUs instead of \
            waiting for interrupts (VALE_POLLING_ENABLE): lower latency, one busy CPU per thread.
            """,
        subcommands: [PollingEnableCommand.self, PollingDisableCommand.self])
}

struct PollingEnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Start polling threads for an attached NIC.",
        discussion: """
            Examples:
              valectl polling enable vale0:eth0
              valectl polling enable vale0:eth0 --cpu 2 --cpus 2
            """)

    @Argument(help: ArgumentHelp("The switch and NIC, e.g. vale0:eth0.", valueName: "switch:if"))
    var target: String

    @Option(name: .customLong("cpu"), help: ArgumentHelp("First CPU to run a polling thread on.", valueName: "first"))
    var firstCPU: Int?

    @Option(name: .long, help: ArgumentHelp("Number of CPUs (one thread each).", valueName: "n"))
    var cpus: Int?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        _ = try NameArgument.switchAndPort(target, argument: "SWITCH:IF")
        if let firstCPU, firstCPU < 0 { throw ValidationError("--cpu must be 0 or more, not \(firstCPU)") }
        if let cpus, cpus < 1 { throw ValidationError("--cpus must be 1 or more, not \(cpus)") }
    }

    func run() throws {
        let (switchName, interface) = try NameArgument.switchAndPort(target, argument: "SWITCH:IF")
        let parameters = EnablePollingParameters(switchName: switchName, interface: interface, firstCPU: firstCPU, cpus: cpus)
        try Session(options).run(.enablePolling, parameters, as: EnablePollingReply.self) { $0.message }
    }
}

struct PollingDisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Stop the polling threads of an attached NIC.",
        discussion: """
            Examples:
              valectl polling disable vale0:eth0
            """)

    @Argument(help: ArgumentHelp("The switch and NIC, e.g. vale0:eth0.", valueName: "switch:if"))
    var target: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { _ = try NameArgument.switchAndPort(target, argument: "SWITCH:IF") }

    func run() throws {
        let (switchName, interface) = try NameArgument.switchAndPort(target, argument: "SWITCH:IF")
        try Session(options).run(.disablePolling, SwitchInterfaceParameters(switchName: switchName, interface: interface),
                                 as: ChangeReply.self) { $0.message }
    }
}
