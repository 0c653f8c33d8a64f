import ArgumentParser
import Foundation
import ValeProtocol

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the whole desired state equal to a configuration file.",
        discussion: """
            valed checks the whole file first; a file with any error is rejected with \
            file:line:column and nothing changes. Then it computes the steps from the current \
            state to the file's and runs them in order, printing the plan. A failed step stops \
            the run: the plan shows what was applied and what not (exit status 1), and the \
            stored state stays consistent with the kernel. --dry-run prints the plan only.

            The file is read by valectl and sent to valed, so it may live anywhere ("-" reads \
            standard input).

            Examples:
              valectl apply -f /etc/valed/valed.yaml --dry-run
              valectl apply -f lab.yaml
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The YAML configuration; - for standard input.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Print the plan without changing anything.")
    var dryRun = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let text: String
        do {
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: file, encoding: .utf8)
            }
        } catch {
            throw CtlFailure(.operationFailed, "cannot read the configuration \(file): \((error as NSError).localizedDescription)")
        }
        let reply: PlanReply
        do {
            let name = file == "-" ? "<stdin>" : file
            reply = try Session(options).run(.apply, ApplyParameters(config: text, dryRun: dryRun, fileName: name),
                                             as: PlanReply.self) { Output.plan($0) }
        } catch var failure as CtlFailure {
            failure.message = Self.describe(failure, file: file)
            throw failure
        }
        if reply.hasFailure { throw CtlFailure(.operationFailed, "apply stopped at a failed step; see the plan above") }
    }

    /// ConfigInvalid: one line per problem, `PATH:LINE:COLUMN: reason`, each
    /// once, from the error's structured problems (its message repeats them).
    static func describe(_ failure: CtlFailure, file: String) -> String {
        guard let json = failure.json, let data = json.data(using: .utf8),
              let reply = try? JSONDecoder().decode(VarlinkReply.self, from: data),
              let error = reply.varlinkError, error.name == ValedError.configInvalid,
              let problems = try? error.parameters["problems"]?.decode(as: [ConfigProblem].self), !problems.isEmpty
        else { return failure.message }
        let name = file == "-" ? "<stdin>" : file
        let header = "configuration rejected (\(problems.count) problem\(problems.count == 1 ? "" : "s")):"
        return ([header] + problems.map { problem in
            var located = problem
            if located.file == nil || located.file == "<apply>" { located.file = name }
            return "  " + located.description
        }).joined(separator: "\n")
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the desired state.",
        subcommands: [ConfigShowCommand.self])
}

struct ConfigShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the desired state as YAML: the configuration file plus runtime changes.",
        discussion: """
            The output is a valid configuration: saving it and applying it changes nothing.

            Examples:
              valectl config show
              valectl config show > snapshot.yaml
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try Session(options).run(.showConfig, as: ShowConfigReply.self) { Self.render($0) }
    }
}

extension ConfigShowCommand {
    /// One header line naming the configuration file, then the YAML.
    static func render(_ reply: ShowConfigReply) -> String {
        "# valed desired state: \(reply.path) plus changes made with valectl\n" + reply.yaml
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the configuration file and reconcile (like SIGHUP).",
        discussion: """
            A configuration with any error is rejected as a whole with file:line:column; \
            the running and stored state stay exactly as they were.

            Examples:
              valectl reload
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let reply = try Session(options).run(.reload, as: PlanReply.self) { Output.plan($0) }
        if reply.hasFailure { throw CtlFailure(.operationFailed, "reload stopped at a failed step; see the plan above") }
    }
}

struct TeardownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teardown",
        abstract: "Undo everything valed owns: detach and delete its ports, restore NICs.",
        discussion: """
            Foreign ports (opened by other programs) are left alone. Stopping valed detaches \
            nothing; teardown is the explicit way to remove valed's switches.

            Examples:
              valectl teardown
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let reply = try Session(options).run(.teardown, as: PlanReply.self) { Output.plan($0) }
        if reply.hasFailure { throw CtlFailure(.operationFailed, "teardown stopped at a failed step; see the plan above") }
    }
}
