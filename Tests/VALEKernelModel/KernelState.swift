import NetmapKit

/// The whole observable state of the modelled netmap kernel module in one
/// network namespace. Codable, so it can live in a JSON file that several
/// processes share (see ``VALEKernelModel``).
public struct VALEKernelState: Codable, Sendable, Equatable {
    /// What kind of netdev this is.
    public enum NetdevKind: String, Codable, Sendable {
        /// A NIC (or veth, tap, ...): attachable, cannot be deleted with DELIF.
        case nic
        /// A persistent VALE interface made by NEWIF.
        case persistent
    }

    /// A Linux netdev of the namespace.
    public struct Netdev: Codable, Sendable, Equatable {
        /// Netdev name.
        public var name: String
        /// NIC or persistent VALE interface.
        public var kind: NetdevKind
        /// Hardware ring and slot counts.
        public var txRings: UInt16, rxRings: UInt16, txSlots: UInt32, rxSlots: UInt32
        /// Memory region (1 = global region of NICs).
        public var memoryRegion: UInt16
        /// Who holds it open through netmap (REGISTER by applications): `pid:fd` strings.
        public var holders: [String] = []
        /// How many netmap fds hold it open.
        public var openCount: Int { holders.count }

        /// Creates a netdev.
        public init(name: String, kind: NetdevKind, txRings: UInt16 = 1, rxRings: UInt16 = 1,
                    txSlots: UInt32 = 1024, rxSlots: UInt32 = 1024, memoryRegion: UInt16 = 1) {
            self.name = name
            self.kind = kind
            self.txRings = txRings
            self.rxRings = rxRings
            self.txSlots = txSlots
            self.rxSlots = rxSlots
            self.memoryRegion = memoryRegion
        }
    }

    /// What occupies a switch slot.
    public enum PortKind: String, Codable, Sendable {
        /// A NIC attached with VALE_ATTACH.
        case nic
        /// The host-stack port `valeX:IF^` of a NIC attached with mode 3.
        case host
        /// A persistent VALE interface attached with VALE_ATTACH.
        case persistent
        /// An ephemeral port created by an application's REGISTER (a VM's `valeX:vm1`).
        case ephemeral
    }

    /// A switch port.
    public struct Port: Codable, Sendable, Equatable {
        /// The in-switch name (`vale0:eth0`, `vale0:eth0^`, or `vi0` after the rename trap).
        public var name: String
        /// What it is.
        public var kind: PortKind
        /// The netdev behind a NIC, host or persistent port.
        public var netdev: String?
        /// True for a persistent interface's second attachment (wrapped like a NIC).
        public var wrapped: Bool = false
        /// Virtio-net header length (PORT_HDR_SET).
        public var headerLength: UInt32 = 0
        /// Kernel polling, if enabled: (mode, first CPU, count).
        public var polling: [UInt32]?
        /// Holders of an ephemeral port: `pid:fd` strings, or `external` for ports added by tests.
        public var holders: [String] = []
    }

    /// A VALE switch.
    public struct Switch: Codable, Sendable, Equatable {
        /// Its name, e.g. `vale0`.
        public var name: String
        /// 254 slots; nil = free.
        public var ports: [Port?]

        init(name: String) {
            self.name = name
            self.ports = Array(repeating: nil, count: VALELimits.portSlots)
        }

        /// Number of occupied slots.
        public var activePorts: Int { ports.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

        func slot(named name: String) -> Int? { ports.firstIndex { $0?.name == name } }
    }

    /// One logged call of a mutating request type.
    public struct Call: Codable, Sendable, Hashable {
        /// Position in the log (starts at 1).
        public var sequence: Int
        /// Process that made the call.
        public var pid: Int32
        /// The request type.
        public var request: NetmapRequestType
        /// `nr_name` as sent.
        public var name: String
        /// 0 on success, else the errno returned.
        public var errno: Int32
        /// ATTACH: `reg.nr_mode`; POLLING_ENABLE: `nr_mode`; else nil.
        public var mode: UInt32?
        /// True when the call succeeded.
        public var succeeded: Bool { errno == 0 }
    }

    /// `max_bridges` of the modelled module.
    public var maxSwitches: Int
    /// CPU ids the modelled machine has (polling needs count < this).
    public var cpuCount: Int
    /// False makes `open("/dev/netmap")` fail with ENOENT (module not loaded).
    public var deviceExists: Bool = true
    /// The namespace's netdevs.
    public var netdevs: [Netdev]
    /// Switch slots (`maxSwitches` of them); nil = free.
    public var switches: [Switch?]
    /// Memory regions that exist (1 is the global one).
    public var memoryRegions: [UInt16] = [1]
    /// Every call of a mutating request type, in order.
    public var calls: [Call] = []

    /// A fresh namespace with the given NICs and no switches.
    public init(nics: [Netdev] = [], maxSwitches: Int = VALELimits.defaultMaxSwitches, cpuCount: Int = 4) {
        self.maxSwitches = maxSwitches
        self.cpuCount = cpuCount
        self.netdevs = nics
        self.switches = Array(repeating: nil, count: maxSwitches)
    }

    /// The netdev called `name`.
    public func netdev(_ name: String) -> Netdev? { netdevs.first { $0.name == name } }

    /// The switch called `name` and its index.
    public func switchIndex(_ name: String) -> Int? { switches.firstIndex { $0?.name == name } }

    /// Every occupied slot as (switch index, slot, port), in enumeration order.
    public var allPorts: [(bridge: Int, slot: Int, port: Port)] {
        var result: [(Int, Int, Port)] = []
        for (b, sw) in switches.enumerated() {
            guard let sw else { continue }
            for (p, port) in sw.ports.enumerated() { if let port { result.append((b, p, port)) } }
        }
        return result
    }

    /// The in-switch names, as VALE_LIST would enumerate them.
    public var listedNames: [String] { allPorts.map(\.port.name) }
}
