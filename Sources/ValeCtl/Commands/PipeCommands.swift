import ArgumentParser
import ValeProtocol

struct PipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Manage netmap pipes that valed holds open.",
        discussion: """
            A netmap pipe is a pair of connected ports (master and slave) that exists only \
            while some program holds it. valed holds named pipes so they outlive applications.
            """,
        subcommands: [PipeCreateCommand.self, PipeDeleteCommand.self, PipeListCommand.self])
}

struct PipeCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a pipe pair and hold it open.",
        discussion: """
            Examples:
              valectl pipe create p0
              valectl pipe create p1 --slots 2048
            """)

    @Argument(help: ArgumentHelp("The pipe's name.", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("Slots per ring (1-4096).", valueName: "n"))
    var slots: Int?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        try NameRules.checkPipe(name)
        if let slots, !(1...4096).contains(slots) { throw ValidationError("--slots must be between 1 and 4096, not \(slots)") }
    }

    func run() throws {
        try Session(options).run(.pipeCreate, PipeCreateParameters(name: name, slots: slots), as: PipeCreateReply.self) { $0.message }
    }
}

struct PipeDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Close a pipe pair and forget it.",
        discussion: """
            Examples:
              valectl pipe delete p0
            """)

    @Argument(help: ArgumentHelp("The pipe's name.", valueName: "name"))
    var name: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { try NameRules.checkPipe(name) }

    func run() throws {
        try Session(options).run(.pipeDelete, NameParameters(name: name), as: ChangeReply.self) { $0.message }
    }
}

struct PipeListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List pipes and the processes holding their ends.",
        discussion: """
            Examples:
              valectl pipe list
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.pipeList, as: PipeListReply.self) { reply in
            guard !reply.pipes.isEmpty else { return "no pipes" }
            return Output.table(["PIPE", "SLOTS", "HOLDERS"], reply.pipes.map { pipe in
                let holders = pipe.holders.map { "\($0.end.rawValue): pid \($0.pid) uid \($0.uid)\($0.command.map { " (\($0))" } ?? "")" }
                return [pipe.name, String(pipe.slots), holders.isEmpty ? "-" : holders.joined(separator: ", ")]
            })
        }
    }
}
