import ArgumentParser
import Foundation
import NetmapKit
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

struct PipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Manage netmap pipes that valed holds open.",
        discussion: """
            A netmap pipe is a pair of connected ports (master and slave) that exists only \
            while some program holds it. valed holds named pipes so they outlive applications.
            """,
        subcommands: [PipeCreateCommand.self, PipeDeleteCommand.self, PipeListCommand.self, PipeOpenCommand.self])
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
        try NameArgument.check("pipe") { try PipeName.validate(name) }
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

    func validate() throws { try NameArgument.check("pipe") { try PipeName.validate(name) } }

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

extension PipeEnd: ExpressibleByArgument {}

struct PipeOpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Run a command with one end of a pipe as file descriptor 3.",
        discussion: """
            valed passes the pipe end over its descriptor socket (the control socket \
            path plus ".fd") to callers that may change state (root or the valed group); \
            valectl puts it on descriptor 3 and replaces itself with COMMAND, which finds \
            VALED_PIPE_FD=3, VALED_PIPE (the name), VALED_PIPE_END, VALED_PIPE_PORT \
            (the netmap port name, e.g. p0{0), VALED_PIPE_MEMSIZE and VALED_PIPE_IF_OFFSET \
            in its environment. The descriptor is a /dev/netmap descriptor already \
            registered to the pipe end: mmap VALED_PIPE_MEMSIZE bytes of it, find the \
            netmap_if at VALED_PIPE_IF_OFFSET and use the rings; no NIOCCTRL and no \
            rights on /dev/netmap are needed (vale-pktgen --fd 3 does exactly this).

            Examples:
              valectl pipe open p0 --end master -- vale-pktgen --fd 3 -f tx
              valectl pipe open p0 --end slave -- sh -c 'exec my-receiver --fd 3'
            """)

    @Argument(help: ArgumentHelp("The pipe's name.", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("Which end: master or slave.", valueName: "end"))
    var end: PipeEnd

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run (after --).", valueName: "command"))
    var command: [String] = []

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        try NameArgument.check("pipe") { try PipeName.validate(name) }
        if command.isEmpty { throw ValidationError("give the command to run after --, e.g. valectl pipe open \(name) --end \(end.rawValue) -- my-app") }
    }

    func run() throws {
        let socket = PipeEndClient.descriptorSocket(forControlSocket: options.socketPath)
        let received: (descriptor: Int32, reply: PipeOpenReply)
        do {
            received = try PipeEndClient.open(name: name, end: end, socketPath: socket, timeout: options.timeout)
        } catch let error as VarlinkClientError {
            throw CtlFailure.from(error, socket: socket)
        } catch {
            throw CtlFailure.from(error, socket: options.socketPath)
        }
        // Descriptor 3 without close-on-exec for COMMAND; dup2 clears the flag.
        let target: Int32 = 3
        if received.descriptor != target {
            guard dup2(received.descriptor, target) == target else {
                throw CtlFailure(.operationFailed, "cannot place the pipe descriptor on fd 3: \(String(cString: strerror(errno)))")
            }
            close(received.descriptor)
        } else {
            _ = clearCloseOnExec(target)
        }
        setenv("VALED_PIPE_FD", String(target), 1)
        setenv("VALED_PIPE", received.reply.name, 1)
        setenv("VALED_PIPE_END", received.reply.end.rawValue, 1)
        setenv("VALED_PIPE_PORT", received.reply.portName, 1)
        setenv("VALED_PIPE_MEMSIZE", String(received.reply.memorySize), 1)
        setenv("VALED_PIPE_IF_OFFSET", String(received.reply.interfaceOffset), 1)
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        execvp(command[0], &argv)
        throw CtlFailure(.operationFailed, "cannot run \(command[0]): \(String(cString: strerror(errno)))")
    }

    /// Makes fd 3 survive exec when the descriptor already landed there
    /// (received with MSG_CMSG_CLOEXEC): dup it away and back.
    private func clearCloseOnExec(_ fd: Int32) -> Bool {
        let spare = dup(fd)
        guard spare >= 0 else { return false }
        defer { close(spare) }
        return dup2(spare, fd) == fd
    }
}
