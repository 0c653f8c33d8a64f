import Foundation
import ValeForwarding

/// Who starts vale-switchd, the process that forwards for the userspace datapath.
public enum ForwarderMode: String, Sendable, CaseIterable {
    /// valed starts vale-switchd itself, detached, when its socket does not
    /// answer, and starts it again when it dies (no service manager).
    case spawn
    /// A service manager (systemd's vale-switchd.service) runs it; valed
    /// only connects, waiting for it at start, and never starts one.
    case external
}

/// Where vale-switchd listens and keeps its state, and how valed finds it.
public struct ForwarderSettings: Sendable, Equatable {
    public var mode: ForwarderMode
    /// Its Varlink socket (`vale-switchd --socket`).
    public var socket: String
    /// Its state file (`vale-switchd --state`).
    public var stateFile: String
    /// The executable valed starts in spawn mode; nil: `vale-switchd`
    /// beside valed's own executable, else the first one in $PATH.
    public var executable: String?
    /// How long valed waits at start for a forwarder to answer (external
    /// mode: the service manager starts it; spawn mode: the one just started).
    public var startTimeout: Double

    public init(mode: ForwarderMode = .spawn, socket: String = ForwarderInterface.defaultSocketPath,
                stateFile: String = ForwarderInterface.defaultStatePath, executable: String? = nil, startTimeout: Double = 15) {
        self.mode = mode; self.socket = socket; self.stateFile = stateFile
        self.executable = executable; self.startTimeout = startTimeout
    }

    /// The executable to start: `executable`, else `vale-switchd` in the
    /// folder of the running executable, else in $PATH; nil when none is found.
    public func resolvedExecutable() -> String? {
        if let executable { return executable }
        let own = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        if let selfPath = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let beside = (selfPath as NSString).deletingLastPathComponent + "/vale-switchd"
            if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        }
        let besideArgv0 = own.deletingLastPathComponent().appendingPathComponent("vale-switchd").path
        if own.path.contains("/"), FileManager.default.isExecutableFile(atPath: besideArgv0) { return besideArgv0 }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
            let candidate = "\(folder)/vale-switchd"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
