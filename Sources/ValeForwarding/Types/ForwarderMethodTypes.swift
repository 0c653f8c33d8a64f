import ValeProtocol

// Parameters and replies of the io.valed.forwarder methods. Changing
// methods without a result of their own answer with ValeProtocol's
// `ChangeReply`; methods without parameters take `EmptyParameters`.
// Monitor streams ValeProtocol's `MonitorReply` (frames and dropped).

/// Reply of `GetInfo`.
public struct ForwarderInfo: Sendable, Hashable, Codable {
    public var pid: Int32
    /// Seconds since the Unix epoch when the process started.
    public var startTime: Double
    public var uptimeSeconds: Double
    public var version: String
    /// Made when the state file is first written; the same across restarts.
    public var instanceID: String
    /// How often the process was started again from its state file.
    public var restarts: Int
    /// Ports restored from the state file at start.
    public var restoredPorts: Int
    /// How long the restore took.
    public var restoreMilliseconds: Double
    public var socket: String
    public var stateFile: String

    public init(pid: Int32, startTime: Double, uptimeSeconds: Double, version: String, instanceID: String,
                restarts: Int, restoredPorts: Int, restoreMilliseconds: Double, socket: String, stateFile: String) {
        self.pid = pid
        self.startTime = startTime
        self.uptimeSeconds = uptimeSeconds
        self.version = version
        self.instanceID = instanceID
        self.restarts = restarts
        self.restoredPorts = restoredPorts
        self.restoreMilliseconds = restoreMilliseconds
        self.socket = socket
        self.stateFile = stateFile
    }
}

/// Parameters of `CreateSwitch`: omitted tunables take VALE's defaults.
public struct CreateSwitchParameters: Sendable, Hashable, Codable {
    public var name: String
    public var tableSize: Int?
    public var agingSeconds: Int?
    public var ringMiB: Int?
    public var transmitRing: Bool?

    public init(name: String, tableSize: Int? = nil, agingSeconds: Int? = nil, ringMiB: Int? = nil,
                transmitRing: Bool? = nil) {
        self.name = name
        self.tableSize = tableSize
        self.agingSeconds = agingSeconds
        self.ringMiB = ringMiB
        self.transmitRing = transmitRing
    }

    /// The configuration asked for, defaults filled in.
    public var config: ForwarderSwitchConfig {
        let base = ForwarderSwitchConfig()
        return ForwarderSwitchConfig(tableSize: tableSize ?? base.tableSize, agingSeconds: agingSeconds ?? base.agingSeconds,
                                     ringMiB: ringMiB ?? base.ringMiB,
                                     transmitRing: transmitRing ?? base.transmitRing)
    }
}

/// Parameters of `DeleteSwitch` and `DeleteTAP`.
public struct ForwarderNameParameters: Sendable, Hashable, Codable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// Parameters of `Attach`.
public struct ForwarderAttachParameters: Sendable, Hashable, Codable {
    public var switchName: String
    public var interface: String
    public var hostStack: Bool?
    /// Largest frame sent to the port; the interface MTU + 14 when omitted.
    public var maxFrameSize: Int?

    public init(switchName: String, interface: String, hostStack: Bool? = nil, maxFrameSize: Int? = nil) {
        self.switchName = switchName
        self.interface = interface
        self.hostStack = hostStack
        self.maxFrameSize = maxFrameSize
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface, hostStack, maxFrameSize }
}

/// Reply of `Attach`.
public struct ForwarderAttachReply: Sendable, Hashable, Codable {
    public var port: Int
    public var changed: Bool
    public var message: String

    public init(port: Int, changed: Bool, message: String) {
        self.port = port
        self.changed = changed
        self.message = message
    }
}

/// Parameters of `Detach`.
public struct ForwarderDetachParameters: Sendable, Hashable, Codable {
    public var switchName: String
    public var interface: String

    public init(switchName: String, interface: String) {
        self.switchName = switchName
        self.interface = interface
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface }
}

/// Parameters of `CreateTAP`.
public struct CreateTAPParameters: Sendable, Hashable, Codable {
    public var name: String
    public var uid: UInt32?
    public var gid: UInt32?
    public var mtu: Int?

    public init(name: String, uid: UInt32? = nil, gid: UInt32? = nil, mtu: Int? = nil) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.mtu = mtu
    }
}

/// Parameters of `List`.
public struct ForwarderListParameters: Sendable, Hashable, Codable {
    public var switchName: String?
    public init(switchName: String? = nil) { self.switchName = switchName }
    enum CodingKeys: String, CodingKey { case switchName = "switch" }
}

/// Reply of `List`.
public struct ForwarderListReply: Sendable, Hashable, Codable {
    public var switches: [ForwarderSwitch]
    public var pending: [PendingAttachment]
    public var taps: [ForwarderTAP]

    public init(switches: [ForwarderSwitch], pending: [PendingAttachment], taps: [ForwarderTAP]) {
        self.switches = switches
        self.pending = pending
        self.taps = taps
    }
}

/// Parameters of `Monitor`.
public struct ForwarderMonitorParameters: Sendable, Hashable, Codable {
    public var switchName: String
    public var interface: String
    public var direction: MonitorDirection?
    /// End the stream after this many frames; endless when nil.
    public var count: Int?

    public init(switchName: String, interface: String, direction: MonitorDirection? = nil, count: Int? = nil) {
        self.switchName = switchName
        self.interface = interface
        self.direction = direction
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface, direction, count }
}

/// Parameters of `Shutdown`.
public struct ShutdownParameters: Sendable, Hashable, Codable {
    /// Keep the TAP devices vale-switchd created (default: delete them).
    public var keepTAPs: Bool?
    public init(keepTAPs: Bool? = nil) { self.keepTAPs = keepTAPs }
}

/// Reply of `Shutdown`: what was removed.
public struct ShutdownReply: Sendable, Hashable, Codable {
    public var switches: Int
    public var ports: Int
    public var taps: Int
    public var message: String

    public init(switches: Int, ports: Int, taps: Int, message: String) {
        self.switches = switches
        self.ports = ports
        self.taps = taps
        self.message = message
    }
}
