/// Which datapath valed runs.
public enum DatapathKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// netmap's VALE in the kernel, through /dev/netmap.
    case kernel
    /// valed's own switch (AF_PACKET and TAP ports).
    case userspace
}

/// The datapath and why it was chosen (`Datapath`).
public struct Datapath: Sendable, Hashable, Codable {
    public var kind: DatapathKind
    /// A sentence, e.g. "/dev/netmap is absent".
    public var reason: String
    /// netmap API version the kernel answered with (kernel datapath only).
    public var netmapAPIVersion: Int?

    public init(kind: DatapathKind, reason: String, netmapAPIVersion: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.netmapAPIVersion = netmapAPIVersion
    }
}

/// Outcome of the most recent reconcile (`ReconcileResult`).
public struct ReconcileResult: Sendable, Hashable, Codable {
    /// RFC 3339 time, UTC.
    public var time: String
    public var ok: Bool
    public var applied: Int
    public var failed: Int
    public var message: String

    public init(time: String, ok: Bool, applied: Int, failed: Int, message: String) {
        self.time = time
        self.ok = ok
        self.applied = applied
        self.failed = failed
        self.message = message
    }
}

/// Reply of `io.valed.Status`.
public struct StatusReply: Sendable, Hashable, Codable {
    public var version: String
    public var datapath: Datapath
    public var module: ModuleInfo
    /// Number of switches.
    public var switches: Int
    /// Number of ports over all switches.
    public var ports: Int
    public var lastReconcile: ReconcileResult?
    /// The forwarding process (userspace datapath); nil on the kernel datapath.
    public var forwarder: Forwarder?

    public init(version: String, datapath: Datapath, module: ModuleInfo, switches: Int, ports: Int, lastReconcile: ReconcileResult? = nil,
                forwarder: Forwarder? = nil) {
        self.version = version
        self.datapath = datapath
        self.module = module
        self.switches = switches
        self.ports = ports
        self.lastReconcile = lastReconcile
        self.forwarder = forwarder
    }
}

/// Who runs the forwarding process.
public enum ForwarderSupervision: String, Sendable, Hashable, Codable, CaseIterable {
    /// valed started it and starts it again when it dies.
    case spawn
    /// A service manager runs it.
    case external
}

/// The forwarding process of the userspace datapath, vale-switchd (`Forwarder`).
public struct Forwarder: Sendable, Hashable, Codable {
    public var mode: ForwarderSupervision
    public var socket: String
    public var running: Bool
    public var pid: Int?
    public var uptimeSeconds: Double?
    /// Starts from its state file (a crash, a restart, an upgrade).
    public var restarts: Int
    public var version: String?
    public var instanceID: String?
    /// Why it does not answer (when `running` is false).
    public var problem: String?

    public init(mode: ForwarderSupervision, socket: String, running: Bool, pid: Int? = nil, uptimeSeconds: Double? = nil, restarts: Int = 0,
                version: String? = nil, instanceID: String? = nil, problem: String? = nil) {
        self.mode = mode; self.socket = socket; self.running = running; self.pid = pid; self.uptimeSeconds = uptimeSeconds
        self.restarts = restarts; self.version = version; self.instanceID = instanceID; self.problem = problem
    }
}
