/// The process that forwards for a datapath, when the datapath has one
/// (the userspace datapath's vale-switchd; netmap forwards in the kernel).
/// The daemon shows it in `valectl status` and stops it on teardown without
/// knowing which datapath runs.
public protocol ForwardingProcessProviding: Sendable {
    /// What the process is doing now (asks it; blocks briefly).
    func status() -> ForwardingProcessStatus

    /// Teardown: the process deletes every switch and port and the devices
    /// it created, and exits. Returns a sentence saying what it removed.
    /// Throws `DatapathError` when it refused or did not answer.
    func shutdown() throws -> String
}

/// A forwarding process as `valectl status` shows it.
public struct ForwardingProcessStatus: Sendable, Equatable {
    public enum Supervision: String, Sendable {
        /// valed started it and restarts it when it dies.
        case spawn
        /// A service manager runs it; valed only connects.
        case external
    }

    /// The program: `vale-switchd`.
    public var name: String
    public var supervision: Supervision
    /// Its socket.
    public var socket: String
    public var running: Bool
    public var pid: Int32?
    public var uptimeSeconds: Double?
    /// How often it was started again over its state file (a crash, a
    /// restart, an upgrade); the last value known when it does not answer.
    public var restarts: Int
    public var version: String?
    /// Stays the same across its restarts while its state file lives.
    public var instanceID: String?
    /// Why it does not answer, when it does not.
    public var problem: String?

    public init(name: String, supervision: Supervision, socket: String, running: Bool, pid: Int32? = nil,
                uptimeSeconds: Double? = nil, restarts: Int = 0, version: String? = nil, instanceID: String? = nil,
                problem: String? = nil) {
        self.name = name; self.supervision = supervision; self.socket = socket; self.running = running
        self.pid = pid; self.uptimeSeconds = uptimeSeconds; self.restarts = restarts; self.version = version
        self.instanceID = instanceID; self.problem = problem
    }
}
