import CNetmap

/// netmap's fixed numbers (NETMAP-API.md 2.1, 2.3.1, 2.3.9), as Swift values.
public enum Netmap {
    /// `NETMAP_DEVICE_NAME`: the control device.
    public static let devicePath = "/dev/netmap"
    /// `NETMAP_API`: the version every request is sent with.
    public static let apiVersion: UInt16 = 14
    /// `NETMAP_MIN_API`...`NETMAP_MAX_API`: versions the kernel accepts.
    public static let acceptedAPIVersions: ClosedRange<UInt16> = 14...15
    /// `NIOCCTRL`: the one control ioctl (`_IOWR('i', 151, struct nmreq_header)`).
    public static let NIOCCTRL: UInt = 0xC058_6997
    /// `NIOCTXSYNC`: push TX rings (`_IO('i', 148)`), no argument.
    public static let NIOCTXSYNC: UInt = 0x6994
    /// `NIOCRXSYNC`: refresh RX rings (`_IO('i', 149)`), no argument.
    public static let NIOCRXSYNC: UInt = 0x6995
    /// `NETMAP_REQ_MAXSIZE`: maximum body plus options bytes.
    public static let requestMaxSize = 4096
    /// `NETMAP_REQ_IFNAMSIZ`: size of `nr_name` (63 usable bytes + NUL).
    public static let requestNameSize = 64
    /// Longest `nr_name` the kernel keeps (it forces byte 63 to NUL).
    public static let maxRequestNameLength = 63
    /// Linux `IFNAMSIZ`: netdev name buffer (15 usable bytes).
    public static let interfaceNameSize = 16
    /// Size of `struct nmreq_header`.
    public static let headerSize = MemoryLayout<nmreq_header>.size
    /// `NM_BDG_NOPORT`: VALE_LIST's "port not in that switch" index.
    public static let noPortIndex: UInt32 = 255
}

/// VALE switch limits of the kernel (NETMAP-API.md 2.3.9, 4.3).
public enum VALELimits {
    /// `NM_BRIDGES`: default switches per network namespace (`max_bridges`).
    public static let defaultMaxSwitches = 8
    /// `NM_BDG_MAXPORTS`: port slots per switch (0...253).
    public static let portSlots = 254
    /// Ports a switch really takes: the creation check reserves two slots.
    public static let usablePorts = 252
    /// `NM_BDG_MAXSLOTS`: most slots a VALE ring can have.
    public static let maxSlotsPerRing = 4096
    /// `NM_BDG_MAXRINGS`: most rings per direction of a VALE port.
    public static let maxRingsPerDirection = 16
    /// Longest switch name, `vale` included.
    public static let maxSwitchNameLength = 15
    /// Longest port part after the `:`.
    public static let maxPortNameLength = 15
    /// Longest Linux netdev name.
    public static let maxInterfaceNameLength = 15
    /// `NM_BDG_NAME`: the prefix of every switch name.
    public static let switchPrefix = "vale"
    /// Bytes hypervisors (QEMU, bhyve) keep of a whole `valeX:Y` name (16-byte buffer, NUL included).
    public static let hypervisorNameLimit = 15
}

/// `nmreq_header.nr_reqtype`: the control request types (NETMAP-API.md 2.3.2).
public enum NetmapRequestType: UInt16, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// `NETMAP_REQ_REGISTER`: bind this fd to a port.
    case register = 1
    /// `NETMAP_REQ_PORT_INFO_GET`: ring, slot and memory information.
    case portInfoGet = 2
    /// `NETMAP_REQ_VALE_ATTACH`: put an existing netdev into a switch.
    case valeAttach = 3
    /// `NETMAP_REQ_VALE_DETACH`: remove a NIC or persistent interface from a switch.
    case valeDetach = 4
    /// `NETMAP_REQ_VALE_LIST`: look up one port or enumerate all.
    case valeList = 5
    /// `NETMAP_REQ_PORT_HDR_SET`: set the virtio-net header length.
    case portHeaderSet = 6
    /// `NETMAP_REQ_PORT_HDR_GET`: get the virtio-net header length.
    case portHeaderGet = 7
    /// `NETMAP_REQ_VALE_NEWIF`: create a persistent VALE interface.
    case valeNewInterface = 8
    /// `NETMAP_REQ_VALE_DELIF`: delete a persistent VALE interface (no body).
    case valeDeleteInterface = 9
    /// `NETMAP_REQ_VALE_POLLING_ENABLE`: start kernel polling threads for a NIC.
    case valePollingEnable = 10
    /// `NETMAP_REQ_VALE_POLLING_DISABLE`: stop them.
    case valePollingDisable = 11
    /// `NETMAP_REQ_POOLS_INFO_GET`: memory-pool geometry.
    case poolsInfoGet = 12
    /// `NETMAP_REQ_SYNC_KLOOP_START`: outside a VALE manager's scope.
    case syncKloopStart = 13
    /// `NETMAP_REQ_SYNC_KLOOP_STOP`: outside a VALE manager's scope (no body).
    case syncKloopStop = 14
    /// `NETMAP_REQ_CSB_ENABLE`: outside a VALE manager's scope (no body).
    case csbEnable = 15

    /// Size of the body struct the kernel expects; 0 means `nr_body` must be 0.
    public var bodySize: Int {
        switch self {
        case .register: MemoryLayout<nmreq_register>.size
        case .portInfoGet: MemoryLayout<nmreq_port_info_get>.size
        case .valeAttach: MemoryLayout<nmreq_vale_attach>.size
        case .valeDetach: MemoryLayout<nmreq_vale_detach>.size
        case .valeList: MemoryLayout<nmreq_vale_list>.size
        case .portHeaderSet, .portHeaderGet: MemoryLayout<nmreq_port_hdr>.size
        case .valeNewInterface: MemoryLayout<nmreq_vale_newif>.size
        case .valeDeleteInterface, .syncKloopStop, .csbEnable: 0
        case .valePollingEnable, .valePollingDisable: MemoryLayout<nmreq_vale_polling>.size
        case .poolsInfoGet: MemoryLayout<nmreq_pools_info>.size
        case .syncKloopStart: MemoryLayout<nmreq_sync_kloop_start>.size
        }
    }

    /// The C name, e.g. `NETMAP_REQ_VALE_ATTACH`.
    public var cName: String {
        switch self {
        case .register: "NETMAP_REQ_REGISTER"
        case .portInfoGet: "NETMAP_REQ_PORT_INFO_GET"
        case .valeAttach: "NETMAP_REQ_VALE_ATTACH"
        case .valeDetach: "NETMAP_REQ_VALE_DETACH"
        case .valeList: "NETMAP_REQ_VALE_LIST"
        case .portHeaderSet: "NETMAP_REQ_PORT_HDR_SET"
        case .portHeaderGet: "NETMAP_REQ_PORT_HDR_GET"
        case .valeNewInterface: "NETMAP_REQ_VALE_NEWIF"
        case .valeDeleteInterface: "NETMAP_REQ_VALE_DELIF"
        case .valePollingEnable: "NETMAP_REQ_VALE_POLLING_ENABLE"
        case .valePollingDisable: "NETMAP_REQ_VALE_POLLING_DISABLE"
        case .poolsInfoGet: "NETMAP_REQ_POOLS_INFO_GET"
        case .syncKloopStart: "NETMAP_REQ_SYNC_KLOOP_START"
        case .syncKloopStop: "NETMAP_REQ_SYNC_KLOOP_STOP"
        case .csbEnable: "NETMAP_REQ_CSB_ENABLE"
        }
    }

    /// What the request does to its port, as a verb phrase for error sentences
    /// (`cannot <verb> vale0:eth1: ...`).
    public var verb: String {
        switch self {
        case .register: "open"
        case .portInfoGet: "get port information for"
        case .valeAttach: "attach"
        case .valeDetach: "detach"
        case .valeList: "look up"
        case .portHeaderSet: "set the virtio-net header length of"
        case .portHeaderGet: "get the virtio-net header length of"
        case .valeNewInterface: "create persistent interface"
        case .valeDeleteInterface: "delete persistent interface"
        case .valePollingEnable: "enable polling on"
        case .valePollingDisable: "disable polling on"
        case .poolsInfoGet: "get memory pool information for"
        case .syncKloopStart: "start the sync kloop on"
        case .syncKloopStop: "stop the sync kloop on"
        case .csbEnable: "enable CSB mode on"
        }
    }

    /// The C name.
    public var description: String { cName }
}

/// `nmreq_register.nr_mode`: which rings a REGISTER binds (NETMAP-API.md 2.3.4).
public enum RegisterMode: UInt32, Sendable, CaseIterable, Codable {
    /// `NR_REG_DEFAULT`: legacy only; rejected by `NIOCCTRL`.
    case legacyDefault = 0
    /// `NR_REG_ALL_NIC`: all hardware ring pairs.
    case allNIC = 1
    /// `NR_REG_SW`: all host ring pairs.
    case hostRings = 2
    /// `NR_REG_NIC_SW`: hardware and host rings; in VALE_ATTACH also the host stack port.
    case nicAndHost = 3
    /// `NR_REG_ONE_NIC`: hardware ring pair `nr_ringid`.
    case oneNIC = 4
    /// `NR_REG_PIPE_MASTER`: deprecated, rejected.
    case pipeMaster = 5
    /// `NR_REG_PIPE_SLAVE`: deprecated, rejected.
    case pipeSlave = 6
    /// `NR_REG_NULL`: rings in an existing region with no device behind.
    case null = 7
    /// `NR_REG_ONE_SW`: host ring pair `nr_ringid`.
    case oneHost = 8
}

/// `nmreq_register.nr_flags` (NETMAP-API.md 2.3.5).
public struct RegisterFlags: OptionSet, Sendable, Hashable, Codable {
    /// The `nr_flags` bits.
    public var rawValue: UInt64
    /// Wraps `nr_flags` bits.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// `NR_MONITOR_TX`: copy monitor of the TX rings.
    public static let monitorTX = RegisterFlags(rawValue: 0x100)
    /// `NR_MONITOR_RX`: copy monitor of the RX rings.
    public static let monitorRX = RegisterFlags(rawValue: 0x200)
    /// `NR_ZCOPY_MON`: zero-copy monitor.
    public static let zeroCopyMonitor = RegisterFlags(rawValue: 0x400)
    /// `NR_EXCLUSIVE`: exclusive use of the selected rings.
    public static let exclusive = RegisterFlags(rawValue: 0x800)
    /// `NR_RX_RINGS_ONLY`: bind only RX rings.
    public static let rxRingsOnly = RegisterFlags(rawValue: 0x2000)
    /// `NR_TX_RINGS_ONLY`: bind only TX rings.
    public static let txRingsOnly = RegisterFlags(rawValue: 0x4000)
    /// `NR_ACCEPT_VNET_HDR`: caller understands virtio-net headers.
    public static let acceptVirtioHeader = RegisterFlags(rawValue: 0x8000)
    /// `NR_DO_RX_POLL`: declared but not implemented by the kernel.
    public static let doRXPoll = RegisterFlags(rawValue: 0x10000)
    /// `NR_NO_TX_POLL`: poll does not flush TX rings unless `POLLOUT` is asked.
    public static let noTXPoll = RegisterFlags(rawValue: 0x20000)
}

/// `netmap_slot.flags` (NETMAP-API.md 2.3.6).
public struct SlotFlags: OptionSet, Sendable, Hashable {
    /// The `netmap_slot.flags` bits.
    public var rawValue: UInt16
    /// Wraps `netmap_slot.flags` bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `NS_BUF_CHANGED`: `buf_idx` was changed (buffer swap).
    public static let bufferChanged = SlotFlags(rawValue: 0x0001)
    /// `NS_REPORT`: ask for a completion report.
    public static let report = SlotFlags(rawValue: 0x0002)
    /// `NS_FORWARD`: forward to the other side (NIC ↔ host stack).
    public static let forward = SlotFlags(rawValue: 0x0004)
    /// `NS_NO_LEARN`: declared; VALE ignores it.
    public static let noLearn = SlotFlags(rawValue: 0x0008)
    /// `NS_INDIRECT`: payload at user address `ptr` (VALE TX only).
    public static let indirect = SlotFlags(rawValue: 0x0010)
    /// `NS_MOREFRAG`: more fragments follow.
    public static let moreFragments = SlotFlags(rawValue: 0x0020)
    /// `NS_TXMON`: monitor ring only: frame came from a TX ring.
    public static let txMonitor = SlotFlags(rawValue: 0x0040)
}
