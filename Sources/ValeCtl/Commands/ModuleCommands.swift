import ArgumentParser
import ValeProtocol

struct ModuleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "module",
        abstract: "Show, load, unload or reload the netmap kernel module.",
        discussion: """
            valed loads netmap with the options from its configuration (modprobe semantics) \
            and swaps NIC drivers for their netmap-native builds where configured.
            """,
        subcommands: [ModuleStatusCommand.self, ModuleLoadCommand.self, ModuleUnloadCommand.self, ModuleReloadCommand.self])

    static func render(_ module: ModuleInfo) -> String {
        var text = Output.keyValues([
            ("module", module.name),
            ("state", module.state.rawValue),
            ("reason", module.reason),
            ("api version", Output.optional(module.apiVersion)),
            ("used by", module.usedBy.isEmpty ? "-" : module.usedBy.joined(separator: ", ")),
        ])
        if !module.parameters.isEmpty {
            text += "\n\n" + Output.table(["PARAMETER", "VALUE", "WRITABLE"],
                                          module.parameters.map { [$0.name, $0.value, $0.writable ? "yes" : "no"] })
        }
        return text
    }
}

struct ModuleStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether netmap is loaded, built in, absent or unsupported, and its parameters.",
        discussion: """
            Examples:
              valectl module status
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.moduleStatus, as: ModuleStatusReply.self) { ModuleCommand.render($0.module) }
    }
}

struct ModuleLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load the netmap module with the configured options.",
        discussion: """
            Loading a module that is loaded succeeds and says so.

            Examples:
              valectl module load
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.moduleLoad, as: ModuleChangeReply.self) { $0.message }
    }
}

struct ModuleUnloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unload",
        abstract: "Unload the netmap module.",
        discussion: """
            Refused while ports exist (the error names them) unless --force, which detaches \
            them first.

            Examples:
              valectl module unload
              valectl module unload --force
            """)

    @Flag(name: .long, help: "Detach every port first instead of refusing.")
    var force = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.moduleUnload, ModuleUnloadParameters(force: force), as: ModuleChangeReply.self) { $0.message }
    }
}

struct ModuleReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload netmap: save attachments, detach, unload, load, restore.",
        discussion: """
            Each step is reported; a failed step stops the sequence and the report says \
            what state things are in.

            Examples:
              valectl module reload
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let reply = try Session(options).run(.moduleReload, as: PlanReply.self) { Output.plan($0) }
        if reply.hasFailure { throw CtlFailure(.operationFailed, "module reload stopped at a failed step; see the plan above") }
    }
}
