import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-running helper (a traffic server, a capture) started for a test
/// and killed by `stop()`. Its output goes to /dev/null, so it never holds a
/// pipe that a `Shell.run` caller waits on. `stop()` sends SIGKILL because
/// children of the test runner inherit a signal mask blocking SIGTERM.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()

    /// Starts `arguments` (looked up in PATH).
    public init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// True while the process runs.
    public var isRunning: Bool { process.isRunning }

    /// Kills the process (SIGKILL) and waits for it.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
