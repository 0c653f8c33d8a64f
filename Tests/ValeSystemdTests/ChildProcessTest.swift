import Foundation
import Glibc
import TestSupport

/// Runs one test of this very test binary in a child process, for checks
/// that need a fresh process: fds inherited at 3 (socket activation) or a
/// private mount namespace (a stand-in journald socket). The child test is
/// enabled only when its report variable is set, so in a normal run it is
/// skipped and the parent test does the asserting.
enum ChildProcessTest {
    /// This test binary (`swift test` runs it directly).
    static var testBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The arguments that run only the test function `name` in the child.
    static func arguments(runningOnly name: String) -> [String] {
        [testBinary, "--testing-library", "swift-testing", "--filter", name]
    }

    /// Value of an environment variable in this process.
    static func environment(_ key: String) -> String? {
        ProcessInfo.processInfo.environment[key]
    }

    /// Starts `arguments` with output going to `log`; the caller waits.
    static func start(_ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
