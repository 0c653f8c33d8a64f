import Foundation

/// The outcome of a finished command.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
}

/// Failure of a command a test relied on; the message carries its output.
public struct CommandFailed: Error, CustomStringConvertible {
    public var arguments: [String]
    public var result: CommandResult
    public var description: String {
        "`\(arguments.joined(separator: " "))` exited \(result.status): \(result.stderr)\(result.stdout)"
    }
}

/// Runs external programs (ip, ethtool, ping…) the way an admin would.
public enum Shell {
    /// Runs `arguments` (looked up in PATH) and waits for it.
    /// Throws `CommandFailed` when `check` is true and the exit status is non-zero.
    @discardableResult
    public static func run(_ arguments: [String], check: Bool = true, input: String? = nil,
                           environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty command cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = CommandResult(status: process.terminationStatus,
                                   stdout: String(decoding: outData, as: UTF8.self),
                                   stderr: String(decoding: errData, as: UTF8.self))
        if check && !result.succeeded { throw CommandFailed(arguments: arguments, result: result) }
        return result
    }

    /// Runs a shell snippet with `sh -c`.
    @discardableResult
    public static func sh(_ script: String, check: Bool = true) throws -> CommandResult {
        try run(["sh", "-c", script], check: check)
    }

    /// True when `command` is found in PATH.
    public static func has(_ command: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(command)"], check: false).succeeded) ?? false
    }
}
