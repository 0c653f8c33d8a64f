/// Parameters of `io.valed.List`.
public struct ListParameters: Sendable, Hashable, Codable {
    /// Only this switch; all switches when `nil`. JSON field `switch`.
    public var switchName: String?

    public init(switchName: String? = nil) { self.switchName = switchName }

    enum CodingKeys: String, CodingKey { case switchName = "switch" }
}

/// Reply of `io.valed.List`.
public struct ListReply: Sendable, Hashable, Codable {
    public var switches: [SwitchInfo]
    public init(switches: [SwitchInfo]) { self.switches = switches }
}

/// Parameters of `io.valed.Attach`.
public struct AttachParameters: Sendable, Hashable, Codable {
    /// JSON field `switch`.
    public var switchName: String
    /// The NIC or persistent port to attach.
    public var interface: String
    /// Also connect the NIC's host stack (`eth0^`).
    public var hostStack: Bool
    /// Skip safety checks (the veth peer rule of NETMAP-API.md 7.5).
    public var force: Bool

    public init(switchName: String, interface: String, hostStack: Bool = false, force: Bool = false) {
        self.switchName = switchName
        self.interface = interface
        self.hostStack = hostStack
        self.force = force
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface, hostStack, force }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switchName = try container.decode(String.self, forKey: .switchName)
        interface = try container.decode(String.self, forKey: .interface)
        hostStack = try container.decode(Bool.self, forKey: .hostStack, default: false)
        force = try container.decode(Bool.self, forKey: .force, default: false)
    }
}

/// Reply of `io.valed.Attach`.
public struct AttachReply: Sendable, Hashable, Codable {
    public var port: Port
    public var changed: Bool
    public var message: String

    public init(port: Port, changed: Bool, message: String) {
        self.port = port
        self.changed = changed
        self.message = message
    }
}

/// Parameters naming an interface in a switch: `io.valed.Detach` and
/// `io.valed.DisablePolling`.
public struct SwitchInterfaceParameters: Sendable, Hashable, Codable {
    /// JSON field `switch`.
    public var switchName: String
    public var interface: String

    public init(switchName: String, interface: String) {
        self.switchName = switchName
        self.interface = interface
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface }
}

/// Parameters of `io.valed.CreatePort`. `nil` sizes take netmap's defaults.
public struct CreatePortParameters: Sendable, Hashable, Codable {
    /// The persistent port's name (a netdev name, not starting with `vale`).
    public var name: String
    /// Attach the new port to this switch. JSON field `switch`.
    public var switchName: String?
    public var txSlots: Int?
    public var rxSlots: Int?
    public var txRings: Int?
    public var rxRings: Int?

    public init(name: String, switchName: String? = nil, txSlots: Int? = nil, rxSlots: Int? = nil, txRings: Int? = nil, rxRings: Int? = nil) {
        self.name = name
        self.switchName = switchName
        self.txSlots = txSlots
        self.rxSlots = rxSlots
        self.txRings = txRings
        self.rxRings = rxRings
    }

    enum CodingKeys: String, CodingKey { case name, switchName = "switch", txSlots, rxSlots, txRings, rxRings }
}

/// Reply of `io.valed.CreatePort`.
public struct CreatePortReply: Sendable, Hashable, Codable {
    public var port: PortDetails
    public var changed: Bool
    public var message: String

    public init(port: PortDetails, changed: Bool, message: String) {
        self.port = port
        self.changed = changed
        self.message = message
    }
}

/// Parameters holding just a name: `io.valed.DeletePort`,
/// `io.valed.ShowPort`, `io.valed.PipeDelete`.
public struct NameParameters: Sendable, Hashable, Codable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// Reply of `io.valed.ShowPort`.
public struct ShowPortReply: Sendable, Hashable, Codable {
    public var port: PortDetails
    public init(port: PortDetails) { self.port = port }
}

/// Parameters of `io.valed.EnablePolling`.
public struct EnablePollingParameters: Sendable, Hashable, Codable {
    /// JSON field `switch`.
    public var switchName: String
    public var interface: String
    /// First CPU to run a polling thread on; netmap's default when `nil`.
    public var firstCPU: Int?
    /// Number of CPUs (threads); netmap's default when `nil`.
    public var cpus: Int?

    public init(switchName: String, interface: String, firstCPU: Int? = nil, cpus: Int? = nil) {
        self.switchName = switchName
        self.interface = interface
        self.firstCPU = firstCPU
        self.cpus = cpus
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface, firstCPU, cpus }
}

/// Reply of `io.valed.EnablePolling`.
public struct EnablePollingReply: Sendable, Hashable, Codable {
    public var polling: Polling
    public var changed: Bool
    public var message: String

    public init(polling: Polling, changed: Bool, message: String) {
        self.polling = polling
        self.changed = changed
        self.message = message
    }
}

/// Parameters of `io.valed.SetVnetHeader`.
public struct SetVnetHeaderParameters: Sendable, Hashable, Codable {
    /// JSON field `switch`.
    public var switchName: String
    public var port: String
    /// 0, 10 or 12 (PORT_HDR_SET).
    public var length: Int

    public init(switchName: String, port: String, length: Int) {
        self.switchName = switchName
        self.port = port
        self.length = length
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", port, length }

    /// The lengths netmap accepts.
    public static let validLengths = [0, 10, 12]
}
