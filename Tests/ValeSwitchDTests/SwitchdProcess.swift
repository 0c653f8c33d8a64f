import Foundation
import TestSupport
import ValeForwarding
#if canImport(Glibc)
import Glibc
#endif

/// A vale-switchd process started by a test: its socket, state file, log
/// and notify socket in a temporary directory, optionally inside a network
/// namespace (`ip netns exec` execs, so `pid` is vale-switchd's own).
final class SwitchdProcess: @unchecked Sendable {
    let directory: TemporaryDirectory
    let namespace: NetworkNamespace?
    var socketPath: String { directory.path + "/switchd.sock" }
    var statePath: String { directory.path + "/switchd.state" }
    var logPath: String { directory.path + "/switchd.log" }
    /// A command that execs vale-switchd in the end (systemd-socket-activate).
    var launcher: [String] = []
    private var process: Process?
    private var notify: NotifySocket?

    init(namespace: NetworkNamespace? = nil, directory: TemporaryDirectory? = nil) throws {
        self.directory = try directory ?? TemporaryDirectory(prefix: "switchd")
        self.namespace = namespace
    }

    /// Starts vale-switchd and waits for READY=1 (or its exit, which throws).
    /// `beforeReady` runs once it is launched: a socket-activated one
    /// starts only when a client connects.
    func start(timeout: TimeInterval = 20, beforeReady: (() throws -> Void)? = nil) throws {
        // The old socket's deinit unlinks the path: drop it before binding anew.
        self.notify = nil
        let notify = try NotifySocket(path: directory.path + "/notify.sock")
        self.notify = notify
        let p = try launch(environment: ["NOTIFY_SOCKET": notify.path])
        try beforeReady?()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let message = notify.receive(timeout: 0.05), message.contains("READY=1") { return }
            if !p.isRunning {
                throw SwitchdTestError("vale-switchd exited with \(p.terminationStatus):\n\(log())")
            }
        }
        throw SwitchdTestError("vale-switchd sent no READY=1 within \(timeout) s:\n\(log())")
    }

    /// Runs vale-switchd expecting it to exit by itself; returns its status.
    func runToExit(timeout: TimeInterval = 20) throws -> Int32 {
        let p = try launch(environment: [:])
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            throw SwitchdTestError("vale-switchd kept running:\n\(log())")
        }
        return p.terminationStatus
    }

    private func launch(environment: [String: String]) throws -> Process {
        let p = Process()
        let executable = TestHost.executable("vale-switchd").path
        let arguments = ["--socket", socketPath, "--state", statePath, "--log-level", "debug"]
        if let namespace {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ip", "netns", "exec", namespace.name] + launcher + [executable] + arguments
        } else if !launcher.isEmpty {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = launcher + [executable] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM", "INVOCATION_ID"] {
            env[key] = nil
        }
        for (key, value) in environment { env[key] = value }
        p.environment = env
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        return p
    }

    var pid: Int32? { process?.processIdentifier }
    var isRunning: Bool { process?.isRunning ?? false }

    /// Sends `signal` and waits for the exit; returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32? {
        guard let p = process else { return nil }
        if p.isRunning { kill(p.processIdentifier, signal) }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Waits (bounded) for an exit that something else caused (Shutdown).
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        guard let p = process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        return p.isRunning ? nil : p.terminationStatus
    }

    func client(timeout: Double = 5) -> ForwarderClient {
        ForwarderClient(path: socketPath, timeout: timeout)
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func cleanUp() {
        stop(signal: SIGKILL)
        directory.remove()
    }

    deinit { if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
}

struct SwitchdTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
