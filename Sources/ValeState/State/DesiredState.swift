import NetmapKit

/// What valed wants the switches to look like: the configuration file plus
/// the changes made through valectl. The engine reconciles the datapath
/// towards it; the store keeps it across restarts.
public struct DesiredState: Codable, Equatable, Sendable {
    /// Persistent ports (netmap VALE_NEWIF interfaces, or TAP devices on the
    /// userspace datapath), by name.
    public var persistentPorts: [String: PersistentPortSpec] = [:]
    /// Interfaces attached to switches, by "switch:interface".
    public var attachments: [String: AttachmentSpec] = [:]
    /// Overlay devices (VXLAN, Geneve) valed creates, by name. Absent in
    /// state files written before tunnels existed.
    public var tunnels: [String: TunnelSpec] = [:]

    public init(persistentPorts: [String: PersistentPortSpec] = [:], attachments: [String: AttachmentSpec] = [:],
                tunnels: [String: TunnelSpec] = [:]) {
        self.persistentPorts = persistentPorts
        self.attachments = attachments
        self.tunnels = tunnels
    }

    enum CodingKeys: String, CodingKey { case persistentPorts, attachments, tunnels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        persistentPorts = try c.decode([String: PersistentPortSpec].self, forKey: .persistentPorts)
        attachments = try c.decode([String: AttachmentSpec].self, forKey: .attachments)
        tunnels = try c.decodeIfPresent([String: TunnelSpec].self, forKey: .tunnels) ?? [:]
    }

    /// True when `interface` is a netdev valed itself creates (a persistent
    /// port or a tunnel), so it may be attached before it exists.
    public func createsInterface(_ interface: String) -> Bool {
        persistentPorts[interface] != nil || tunnels[interface] != nil
    }

    /// Switch names in use, sorted.
    public var switchNames: [String] { Set(attachments.values.map(\.switchName)).sorted() }

    /// The attachment of `interface`, on whatever switch.
    public func attachment(ofInterface interface: String) -> AttachmentSpec? {
        attachments.values.first { $0.interface == interface }
    }

    /// The part of this state owned by `owner`.
    public func filtered(owner: Owner) -> DesiredState {
        DesiredState(persistentPorts: persistentPorts.filter { $0.value.owner == owner },
                     attachments: attachments.filter { $0.value.owner == owner },
                     tunnels: tunnels.filter { $0.value.owner == owner })
    }

    /// This state with everything owned by `owner` replaced by `other`'s
    /// entries of that owner (used when the config file is reloaded: runtime
    /// changes made with valectl survive, config entries are replaced).
    public func replacing(owner: Owner, with other: DesiredState) -> DesiredState {
        var result = DesiredState(persistentPorts: persistentPorts.filter { $0.value.owner != owner },
                                  attachments: attachments.filter { $0.value.owner != owner },
                                  tunnels: tunnels.filter { $0.value.owner != owner })
        for (k, v) in other.persistentPorts where result.persistentPorts[k] == nil { result.persistentPorts[k] = v }
        for (k, v) in other.tunnels where result.tunnels[k] == nil && result.persistentPorts[k] == nil { result.tunnels[k] = v }
        // A port of `owner` that a kept attachment still uses stays, now owned
        // like that attachment: deleting it would leave the attachment
        // "missing" forever (a TAP on the userspace datapath) or fail with
        // EBUSY on every reload (netmap), and the attachment would turn into a
        // NIC attachment in `config show`. Found by scripts/soak.sh.
        for attachment in result.attachments.values where result.persistentPorts[attachment.interface] == nil {
            if var port = persistentPorts[attachment.interface] {
                port.owner = attachment.owner
                result.persistentPorts[attachment.interface] = port
            }
        }
        for (k, v) in other.attachments where result.attachment(ofInterface: v.interface) == nil { result.attachments[k] = v }
        return result
    }
}

/// Who asked for an object. valed removes only what it owns.
public enum Owner: String, Codable, Sendable, CaseIterable {
    /// Named by the configuration file.
    case config
    /// Created through valectl (or the Varlink API) at run time.
    case runtime
}

/// A persistent port: a netmap persistent VALE interface (VALE_NEWIF), or a
/// persistent TAP device on the userspace datapath. Either way a netdev named
/// `name` that a VM or an application opens.
public struct PersistentPortSpec: Codable, Equatable, Sendable {
    public var name: String
    public var geometry: PortGeometry
    /// Owner and group of the TAP device (userspace datapath).
    public var user: String?
    public var group: String?
    public var owner: Owner

    public init(name: String, geometry: PortGeometry = PortGeometry(), user: String? = nil, group: String? = nil, owner: Owner) {
        self.name = name; self.geometry = geometry; self.user = user; self.group = group; self.owner = owner
    }
}

/// Ring geometry of a persistent port; 0 means the kernel default
/// (1024 slots, 1 ring per direction; NETMAP-API.md 2.2.9).
public struct PortGeometry: Codable, Equatable, Sendable {
    public var txSlots: UInt32 = 0
    public var rxSlots: UInt32 = 0
    public var txRings: UInt16 = 0
    public var rxRings: UInt16 = 0

    public init(txSlots: UInt32 = 0, rxSlots: UInt32 = 0, txRings: UInt16 = 0, rxRings: UInt16 = 0) {
        self.txSlots = txSlots; self.rxSlots = rxSlots; self.txRings = txRings; self.rxRings = rxRings
    }
}

/// An interface (NIC, veth, or persistent port) attached to a switch.
public struct AttachmentSpec: Codable, Equatable, Sendable {
    public var switchName: String
    public var interface: String
    /// Attach the host stack as a second port `switch:interface^` (NR_REG_NIC_SW).
    public var hostStack: Bool
    public var polling: PollingSpec?
    /// virtio-net header length, 0, 10 or 12 (PORT_HDR_SET).
    public var vnetHeaderLength: UInt32?
    /// Per-port NIC settings on top of the configured defaults.
    public var nic: NICSettings?
    /// `native`: swap the NIC's driver for its netmap-patched build first.
    public var driver: DriverChoice
    public var owner: Owner

    public init(switchName: String, interface: String, hostStack: Bool = false, polling: PollingSpec? = nil,
                vnetHeaderLength: UInt32? = nil, nic: NICSettings? = nil, driver: DriverChoice = .auto, owner: Owner) {
        self.switchName = switchName; self.interface = interface; self.hostStack = hostStack
        self.polling = polling; self.vnetHeaderLength = vnetHeaderLength; self.nic = nic
        self.driver = driver; self.owner = owner
    }

    /// "switch:interface", the name netmap knows the port by.
    public var key: String { "\(switchName):\(interface)" }
}

/// Kernel polling threads for an attached NIC (VALE_POLLING_ENABLE).
public struct PollingSpec: Codable, Equatable, Sendable {
    /// First CPU (single-CPU mode: the CPU polling all rings).
    public var firstCPU: UInt32
    /// Number of CPUs; 1 selects single-CPU mode.
    public var cpus: UInt32

    public init(firstCPU: UInt32, cpus: UInt32) { self.firstCPU = firstCPU; self.cpus = cpus }
}

/// Which driver a NIC should run in kernel mode.
public enum DriverChoice: String, Codable, Sendable, CaseIterable {
    /// Whatever is loaded (native if patched, else emulated).
    case auto
    /// The netmap-patched driver, swapped in by valed.
    case native
}

/// NIC settings valed applies when it attaches a NIC (NETMAP-API.md 7.2–7.4).
/// nil fields inherit the configured defaults.
public struct NICSettings: Codable, Equatable, Sendable {
    public var promiscuous: Bool?
    /// false turns checksumming, scatter-gather, GSO, TSO, GRO and LRO off;
    /// true leaves them as they are. nil: the datapath decides (off for
    /// netmap, left alone on the userspace datapath; `Datapath.carriesOffloads`).
    public var offloads: Bool?
    /// false turns rx-vlan-hw-parse (VLAN stripping) off.
    public var vlanStripping: Bool?
    /// false turns pause frames off; nil leaves them alone.
    public var pauseFrames: Bool?
    /// Seconds to wait for carrier after attach.
    public var carrierTimeout: Double?
    /// Per-feature overrides by ethtool feature name (e.g. "rx-gro": true).
    public var features: [String: Bool]?

    public init(promiscuous: Bool? = nil, offloads: Bool? = nil, vlanStripping: Bool? = nil,
                pauseFrames: Bool? = nil, carrierTimeout: Double? = nil, features: [String: Bool]? = nil) {
        self.promiscuous = promiscuous; self.offloads = offloads; self.vlanStripping = vlanStripping
        self.pauseFrames = pauseFrames; self.carrierTimeout = carrierTimeout; self.features = features
    }

    /// `self` with `offloads` decided when the configuration left it open:
    /// kept on a datapath that carries offload metadata, off otherwise.
    public func resolvingOffloads(datapathCarriesOffloads: Bool) -> NICSettings {
        var settings = self
        if settings.offloads == nil { settings.offloads = datapathCarriesOffloads }
        return settings
    }

    /// `self` with unset fields taken from `defaults`.
    public func merged(over defaults: NICSettings) -> NICSettings {
        var features = defaults.features ?? [:]
        for (k, v) in self.features ?? [:] { features[k] = v }
        return NICSettings(promiscuous: promiscuous ?? defaults.promiscuous,
                           offloads: offloads ?? defaults.offloads,
                           vlanStripping: vlanStripping ?? defaults.vlanStripping,
                           pauseFrames: pauseFrames ?? defaults.pauseFrames,
                           carrierTimeout: carrierTimeout ?? defaults.carrierTimeout,
                           features: features.isEmpty ? nil : features)
    }

    /// The defaults of NETMAP-API.md section 7: promiscuous on, VLAN
    /// stripping off, pause frames left alone, 10 s carrier wait (a peer
    /// running spanning tree can mute a link that long). Offloads are the
    /// datapath's choice (`resolvingOffloads`).
    public static let defaults = NICSettings(promiscuous: true, offloads: nil, vlanStripping: false,
                                             pauseFrames: nil, carrierTimeout: 10, features: nil)
}

// MARK: Names and limits

/// The names and sizes the desired state accepts, from NetmapKit: its name
/// grammar (NETMAP-API.md section 4), the one valectl checks with too, and
/// the kernel's limits (2.3.9), which valed keeps on the userspace datapath
/// as well, so that one configuration serves both.
extension DesiredState {
    /// Why `name` cannot be a switch name, or nil.
    public static func switchNameProblem(_ name: String) -> String? { VALESwitchName.problem(with: name) }
    /// Why `name` cannot be a network interface name, or nil. A NIC named
    /// `val…` is accepted: valed only attaches it as `valeX:valY` (4.3).
    public static func interfaceNameProblem(_ name: String) -> String? { InterfaceName.problem(with: name) }
    /// Why `name` cannot be a persistent port (VALE_NEWIF, a TAP device) or a tunnel, or nil.
    public static func persistentPortNameProblem(_ name: String) -> String? { InterfaceName.newInterfaceProblem(with: name) }
    /// The warning for a `switch:port` name QEMU and bhyve would cut to 15 bytes, or nil.
    public static func longNameWarning(switchName: String, port: String) -> String? {
        (try? VALEPortName(switch: switchName, port: port))?.warnings.first?.description
    }

    /// Switches per network namespace unless module option `max_bridges` says otherwise.
    public static let defaultMaxSwitches = VALELimits.defaultMaxSwitches
    /// Ports a switch holds (a host-stack port takes one more).
    public static let usablePortsPerSwitch = VALELimits.usablePorts
    /// Most slots per ring of a persistent port.
    public static let maxSlots = VALELimits.maxSlotsPerRing
    /// Most rings per direction of a persistent port.
    public static let maxRings = VALELimits.maxRingsPerDirection
}
