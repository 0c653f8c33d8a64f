import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A valed (or valed-model) process started by a test, with its own socket,
/// state directory and configuration in a temporary directory.
public final class DaemonProcess: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let executable: URL
    public var socketPath: String { directory.path + "/valed.sock" }
    public var stateDirectory: String { directory.path + "/state" }
    public var configPath: String { directory.path + "/valed.yaml" }
    public var logPath: String { directory.path + "/valed.log" }
    /// vale-switchd's socket and state file: valed starts it (spawn mode)
    /// when the datapath is userspace; `cleanUp` stops it.
    public var forwarderSocketPath: String { directory.path + "/switchd.sock" }
    public var forwarderStatePath: String { directory.path + "/switchd.state" }
    public var extraEnvironment: [String: String]
    public var extraArguments: [String]
    /// Network namespace to run the daemon in (`ip netns exec`), or nil.
    public var namespace: String?
    private var process: Process?

    public init(executable: String = "valed", environment: [String: String] = [:], arguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "valed-it")
        self.executable = TestHost.executable(executable)
        extraEnvironment = environment
        extraArguments = arguments
    }

    /// Writes the configuration file.
    public func writeConfig(_ yaml: String) throws {
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts the daemon and waits until its socket accepts connections.
    public func start(timeout: TimeInterval = 20) throws {
        let p = Process()
        let arguments = ["--socket", socketPath, "--state-dir", stateDirectory, "--config", configPath,
                         "--control-group", "root", "--log-level", "debug",
                         "--forwarder-socket", forwarderSocketPath, "--forwarder-state", forwarderStatePath] + extraArguments
        if let namespace {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ip", "netns", "exec", namespace, executable.path] + arguments
        } else {
            p.executableURL = executable
            p.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        // Never let a test daemon talk to the systemd of the machine.
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM", "INVOCATION_ID"] { env[key] = nil }
        for (k, v) in extraEnvironment { env[k] = v }
        p.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !p.isRunning { throw NamespaceError(message: "\(executable.lastPathComponent) exited with \(p.terminationStatus):\n\(self.log())") }
            if canConnect() { return }
            usleep(50_000)
        }
        throw NamespaceError(message: "\(executable.lastPathComponent) did not open \(socketPath) within \(timeout) s:\n\(self.log())")
    }

    private func canConnect() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in socketPath.utf8.prefix(buf.count - 1).enumerated() { buf[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    public var pid: Int32? { process?.processIdentifier }
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Sends `signal` and, for SIGTERM/SIGKILL, waits for the exit.
    public func stop(signal: Int32 = SIGTERM) {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, signal)
        if signal == SIGTERM || signal == SIGKILL || signal == SIGINT { p.waitUntilExit() }
    }

    public var terminationStatus: Int32? { process.flatMap { $0.isRunning ? nil : $0.terminationStatus } }

    /// Everything the daemon logged so far.
    public func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs valectl against this daemon.
    @discardableResult
    public func valectl(_ arguments: [String], asUser user: String? = nil) throws -> CommandResult {
        let path = TestHost.executable("valectl").path
        var args = ["env", "VALED_SOCKET=\(socketPath)", path] + arguments
        if let user { args = ["setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + args }
        return try Shell.run(args, check: false)
    }

    deinit {
        stop(signal: SIGKILL)
        killForwarders()
    }

    /// Stops the daemon and its vale-switchd, and removes its directory.
    public func cleanUp() {
        stop(signal: SIGKILL)
        killForwarders()
        directory.remove()
    }

    /// The vale-switchd processes (not zombies) serving this daemon's
    /// forwarder socket: started by valed, they outlive it on purpose.
    public func forwarderPIDs() -> [Int32] {
        ForwarderProcesses.pids(socket: forwarderSocketPath)
    }

    /// SIGKILLs this daemon's vale-switchd and waits until it is gone.
    public func killForwarders() {
        ForwarderProcesses.kill(socket: forwarderSocketPath)
    }
}
