import CNetmap

/// Body of REGISTER (`struct nmreq_register`, NETMAP-API.md 2.2.3, 3.1).
public struct RegisterRequest: Sendable, Hashable {
    /// `nr_mode`.
    public var mode: RegisterMode = .allNIC
    /// `nr_ringid`, for `.oneNIC` / `.oneHost`.
    public var ringID: UInt16 = 0
    /// `nr_flags`.
    public var flags: RegisterFlags = []
    /// `nr_mem_id`: 0 lets the kernel choose.
    public var memoryRegion: UInt16 = 0
    /// `nr_tx_slots` / `nr_rx_slots`: honoured only when the call creates the port.
    public var txSlots: UInt32 = 0, rxSlots: UInt32 = 0
    /// `nr_tx_rings` / `nr_rx_rings`: honoured only when the call creates the port.
    public var txRings: UInt16 = 0, rxRings: UInt16 = 0
    /// `nr_host_tx_rings` / `nr_host_rx_rings`.
    public var hostTXRings: UInt16 = 0, hostRXRings: UInt16 = 0
    /// `nr_extra_bufs` wanted.
    public var extraBuffers: UInt32 = 0

    /// A request with the given mode and everything else defaulted.
    public init(mode: RegisterMode = .allNIC, ringID: UInt16 = 0, flags: RegisterFlags = [], memoryRegion: UInt16 = 0) {
        self.mode = mode
        self.ringID = ringID
        self.flags = flags
        self.memoryRegion = memoryRegion
    }

    /// The request a parsed port name asks for (mode, ring, flags, memory region).
    public init(_ name: PortName) {
        self.init(mode: name.registerMode, ringID: name.ringID, flags: name.registerFlags, memoryRegion: name.memoryRegion ?? 0)
    }

    func fill(_ reg: inout nmreq_register) {
        reg.nr_mode = mode.rawValue
        reg.nr_ringid = ringID
        reg.nr_flags = flags.rawValue
        reg.nr_mem_id = memoryRegion
        reg.nr_tx_slots = txSlots
        reg.nr_rx_slots = rxSlots
        reg.nr_tx_rings = txRings
        reg.nr_rx_rings = rxRings
        reg.nr_host_tx_rings = hostTXRings
        reg.nr_host_rx_rings = hostRXRings
        reg.nr_extra_bufs = extraBuffers
    }
}

/// What REGISTER returns (`struct nmreq_register` after success).
public struct RegisterResult: Sendable, Hashable {
    /// `nr_offset`: where this fd's `netmap_if` lives in the region.
    public var interfaceOffset: UInt64
    /// `nr_memsize`: bytes to mmap.
    public var memorySize: UInt64
    /// `nr_tx_slots`, `nr_rx_slots`.
    public var txSlots: UInt32, rxSlots: UInt32
    /// `nr_tx_rings`, `nr_rx_rings`.
    public var txRings: UInt16, rxRings: UInt16
    /// `nr_host_tx_rings`, `nr_host_rx_rings`.
    public var hostTXRings: UInt16, hostRXRings: UInt16
    /// `nr_mem_id`: the region used.
    public var memoryRegion: UInt16
    /// `nr_extra_bufs` granted.
    public var extraBuffers: UInt32

    init(_ reg: nmreq_register) {
        interfaceOffset = reg.nr_offset
        memorySize = reg.nr_memsize
        txSlots = reg.nr_tx_slots
        rxSlots = reg.nr_rx_slots
        txRings = reg.nr_tx_rings
        rxRings = reg.nr_rx_rings
        hostTXRings = reg.nr_host_tx_rings
        hostRXRings = reg.nr_host_rx_rings
        memoryRegion = reg.nr_mem_id
        extraBuffers = reg.nr_extra_bufs
    }
}

/// What PORT_INFO_GET returns (`struct nmreq_port_info_get`, 3.2).
public struct PortInfo: Sendable, Hashable, Codable {
    /// `nr_memsize`.
    public var memorySize: UInt64
    /// `nr_tx_slots`, `nr_rx_slots`.
    public var txSlots: UInt32, rxSlots: UInt32
    /// `nr_tx_rings`, `nr_rx_rings`.
    public var txRings: UInt16, rxRings: UInt16
    /// `nr_host_tx_rings`, `nr_host_rx_rings`.
    public var hostTXRings: UInt16, hostRXRings: UInt16
    /// `nr_mem_id`.
    public var memoryRegion: UInt16

    /// Builds a value (tests and models).
    public init(memorySize: UInt64, txSlots: UInt32, rxSlots: UInt32, txRings: UInt16, rxRings: UInt16,
                hostTXRings: UInt16 = 0, hostRXRings: UInt16 = 0, memoryRegion: UInt16) {
        self.memorySize = memorySize
        self.txSlots = txSlots
        self.rxSlots = rxSlots
        self.txRings = txRings
        self.rxRings = rxRings
        self.hostTXRings = hostTXRings
        self.hostRXRings = hostRXRings
        self.memoryRegion = memoryRegion
    }

    init(_ body: nmreq_port_info_get) {
        self.init(memorySize: body.nr_memsize, txSlots: body.nr_tx_slots, rxSlots: body.nr_rx_slots,
                  txRings: body.nr_tx_rings, rxRings: body.nr_rx_rings,
                  hostTXRings: body.nr_host_tx_rings, hostRXRings: body.nr_host_rx_rings, memoryRegion: body.nr_mem_id)
    }
}

/// Configuration of NEWIF (`struct nmreq_vale_newif`, 3.7); zeros mean kernel defaults.
/// The same type carries the clamped values the kernel returns.
public struct NewInterfaceConfig: Sendable, Hashable, Codable {
    /// `nr_tx_slots` (0 → 1024; clamped to 1...4096).
    public var txSlots: UInt32
    /// `nr_rx_slots`.
    public var rxSlots: UInt32
    /// `nr_tx_rings` (0 → 1; clamped to 1...16).
    public var txRings: UInt16
    /// `nr_rx_rings`.
    public var rxRings: UInt16
    /// `nr_mem_id`: 0 = new private region.
    public var memoryRegion: UInt16

    /// Creates a configuration; all zeros asks for the kernel defaults.
    public init(txSlots: UInt32 = 0, rxSlots: UInt32 = 0, txRings: UInt16 = 0, rxRings: UInt16 = 0, memoryRegion: UInt16 = 0) {
        self.txSlots = txSlots
        self.rxSlots = rxSlots
        self.txRings = txRings
        self.rxRings = rxRings
        self.memoryRegion = memoryRegion
    }

    init(_ body: nmreq_vale_newif) {
        self.init(txSlots: body.nr_tx_slots, rxSlots: body.nr_rx_slots, txRings: body.nr_tx_rings,
                  rxRings: body.nr_rx_rings, memoryRegion: body.nr_mem_id)
    }
}

/// Kernel polling mode for an attached NIC (`struct nmreq_vale_polling`, 3.9).
public enum PollingMode: Sendable, Hashable, Codable {
    /// One CPU polls all RX rings; sent as `{1, cpu, 1}` (vale-ctl's `{1, cpu, 0}` always fails).
    case singleCPU(cpu: UInt32)
    /// Rings `first ..< first+count` are each polled by the CPU of the same number.
    case multiCPU(first: UInt32, count: UInt32)

    /// Checks what the kernel checks (3.9) and what it does not (that the CPUs
    /// exist): `cpuCount` CPU ids on the machine, `rxRings` RX rings on the NIC.
    /// Returns nil when valid, else the reason as a sentence.
    public func problem(cpuCount: Int, rxRings: Int) -> String? {
        switch self {
        case .singleCPU(let cpu):
            if cpuCount < 2 { return "kernel polling needs at least 2 CPUs (one must stay free)" }
            if Int(cpu) >= cpuCount { return "CPU \(cpu) does not exist (this machine has CPUs 0-\(cpuCount - 1))" }
            return nil
        case .multiCPU(let first, let count):
            if count == 0 { return "at least one polling CPU is needed" }
            if Int(count) >= cpuCount { return "\(count) polling CPUs would take all \(cpuCount) CPUs; at most \(cpuCount - 1) can poll" }
            if Int(first) + Int(count) > rxRings {
                return "rings \(first)-\(Int(first) + Int(count) - 1) do not all exist: the NIC has \(rxRings) RX rings (multi-CPU mode polls ring N on CPU N)"
            }
            if Int(first) + Int(count) > cpuCount { return "CPUs \(first)-\(Int(first) + Int(count) - 1) do not all exist (this machine has CPUs 0-\(cpuCount - 1))" }
            return nil
        }
    }

    /// The three fields sent: `nr_mode`, `nr_first_cpu_id`, `nr_num_polling_cpus`.
    public var fields: (mode: UInt32, firstCPU: UInt32, count: UInt32) {
        switch self {
        case .singleCPU(let cpu): (1, cpu, 1)
        case .multiCPU(let first, let count): (2, first, count)
        }
    }
}

/// What POOLS_INFO_GET returns (`struct nmreq_pools_info`, 3.10).
public struct PoolsInfo: Sendable, Hashable {
    /// `nr_memsize`, `nr_mem_id`.
    public var memorySize: UInt64, memoryRegion: UInt16
    /// Offset, object count and object size of the `netmap_if` pool.
    public var interfacePool: (offset: UInt64, count: UInt32, size: UInt32) { (ifOffset, ifCount, ifSize) }
    /// Offset, object count and object size of the ring pool.
    public var ringPool: (offset: UInt64, count: UInt32, size: UInt32) { (ringOffset, ringCount, ringSize) }
    /// Offset, object count and object size of the buffer pool.
    public var bufferPool: (offset: UInt64, count: UInt32, size: UInt32) { (bufOffset, bufCount, bufSize) }
    var ifOffset: UInt64, ifCount: UInt32, ifSize: UInt32
    var ringOffset: UInt64, ringCount: UInt32, ringSize: UInt32
    var bufOffset: UInt64, bufCount: UInt32, bufSize: UInt32

    init(_ body: nmreq_pools_info) {
        memorySize = body.nr_memsize
        memoryRegion = body.nr_mem_id
        ifOffset = body.nr_if_pool_offset; ifCount = body.nr_if_pool_objtotal; ifSize = body.nr_if_pool_objsize
        ringOffset = body.nr_ring_pool_offset; ringCount = body.nr_ring_pool_objtotal; ringSize = body.nr_ring_pool_objsize
        bufOffset = body.nr_buf_pool_offset; bufCount = body.nr_buf_pool_objtotal; bufSize = body.nr_buf_pool_objsize
    }
}

/// One entry of the VALE_LIST enumeration (3.5): the in-switch name and its coordinates.
public struct VALEListEntry: Sendable, Hashable, Codable {
    /// The port's name inside its switch (`vale0:eth0`, `vale0:eth0^`, or `vi0` after the rename trap).
    public var name: String
    /// `nr_bridge_idx`.
    public var bridgeIndex: Int
    /// `nr_port_idx`: slot in the switch (same number ATTACH/DETACH return).
    public var portIndex: Int

    /// Creates an entry.
    public init(name: String, bridgeIndex: Int, portIndex: Int) {
        self.name = name
        self.bridgeIndex = bridgeIndex
        self.portIndex = portIndex
    }

    /// True for a host-stack port (`valeX:IF^`).
    public var isHostPort: Bool { name.hasSuffix("^") }
    /// False for entries that lost their `vale` prefix (7.11): they cannot be detached by name.
    public var hasSwitchPrefix: Bool { name.hasPrefix("vale") && name.contains(":") }

    /// The name as a validated `valeX:Y[^]`, or nil for a renamed entry (7.11)
    /// or a name valed's grammar refuses.
    public var portName: VALEPortName? { try? VALEPortName(parsing: name) }
}

/// Result of a VALE_LIST lookup of one name (3.5).
public struct VALELookup: Sendable, Hashable {
    /// The switch's index.
    public var bridgeIndex: Int
    /// The port's slot, or nil when the switch exists but has no port of that name (kernel answer 255).
    public var portIndex: Int?

    /// Creates a lookup result.
    public init(bridgeIndex: Int, portIndex: Int?) {
        self.bridgeIndex = bridgeIndex
        self.portIndex = portIndex
    }
}

/// Builders for the exact body bytes of each request (NETMAP-API.md 2.2).
extension NetmapControlRequest {
    /// REGISTER `name` with `config`.
    public static func register(_ name: String, _ config: RegisterRequest) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .register, name: name, body: NetmapEncoding.bytes(of: nmreq_register.self) { config.fill(&$0) })
    }

    /// PORT_INFO_GET `name`; an empty name describes region `memoryRegion`.
    public static func portInfo(_ name: String, memoryRegion: UInt16 = 0) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .portInfoGet, name: name,
                                 body: NetmapEncoding.bytes(of: nmreq_port_info_get.self) { $0.nr_mem_id = memoryRegion })
    }

    /// VALE_ATTACH `valeX:IF`: mode 1 (NIC only) or 3 (NIC and host stack), ring id 0.
    public static func attach(_ name: String, hostStack: Bool, memoryRegion: UInt16 = 0) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valeAttach, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_attach.self) { body in
            body.reg.nr_mode = hostStack ? RegisterMode.nicAndHost.rawValue : RegisterMode.allNIC.rawValue
            body.reg.nr_ringid = 0
            body.reg.nr_mem_id = memoryRegion
        })
    }

    /// VALE_DETACH `valeX:IF` with a zeroed body.
    public static func detach(_ name: String) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valeDetach, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_detach.self) { _ in })
    }

    /// VALE_LIST: lookup of `name`, or (empty name) enumeration from the cursor.
    public static func list(_ name: String, bridgeIndex: UInt16 = 0, portIndex: UInt32 = 0) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valeList, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_list.self) { body in
            body.nr_bridge_idx = bridgeIndex
            body.nr_port_idx = portIndex
        })
    }

    /// PORT_HDR_SET `name` to `length` (0, 10 or 12).
    public static func setHeaderLength(_ name: String, _ length: UInt32) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .portHeaderSet, name: name, body: NetmapEncoding.bytes(of: nmreq_port_hdr.self) { $0.nr_hdr_len = length })
    }

    /// PORT_HDR_GET `name`.
    public static func getHeaderLength(_ name: String) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .portHeaderGet, name: name, body: NetmapEncoding.bytes(of: nmreq_port_hdr.self) { _ in })
    }

    /// VALE_NEWIF `name` (a netdev name, no `vale` prefix).
    public static func newInterface(_ name: String, _ config: NewInterfaceConfig) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valeNewInterface, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_newif.self) { body in
            body.nr_tx_slots = config.txSlots
            body.nr_rx_slots = config.rxSlots
            body.nr_tx_rings = config.txRings
            body.nr_rx_rings = config.rxRings
            body.nr_mem_id = config.memoryRegion
        })
    }

    /// VALE_DELIF `name`: no body, `nr_body` = 0.
    public static func deleteInterface(_ name: String) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valeDeleteInterface, name: name, body: [])
    }

    /// VALE_POLLING_ENABLE `valeX:nic`.
    public static func enablePolling(_ name: String, _ mode: PollingMode) throws(NetmapError) -> NetmapControlRequest {
        let fields = mode.fields
        return try NetmapControlRequest(type: .valePollingEnable, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_polling.self) { body in
            body.nr_mode = fields.mode
            body.nr_first_cpu_id = fields.firstCPU
            body.nr_num_polling_cpus = fields.count
        })
    }

    /// VALE_POLLING_DISABLE `valeX:nic`: a zeroed 16-byte body (required, ignored).
    public static func disablePolling(_ name: String) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .valePollingDisable, name: name, body: NetmapEncoding.bytes(of: nmreq_vale_polling.self) { _ in })
    }

    /// POOLS_INFO_GET `name`, with `memoryRegion` as allocator hint.
    public static func poolsInfo(_ name: String, memoryRegion: UInt16 = 0) throws(NetmapError) -> NetmapControlRequest {
        try NetmapControlRequest(type: .poolsInfoGet, name: name, body: NetmapEncoding.bytes(of: nmreq_pools_info.self) { $0.nr_mem_id = memoryRegion })
    }
}
