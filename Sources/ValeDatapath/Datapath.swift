import ValeState

/// A provider of VALE switches: netmap's in the kernel, or valed's own in
/// userspace. The engine drives both through this one interface (the way
/// Open vSwitch drives its datapaths through `dpif` providers), so one
/// configuration works on every host.
///
/// Calls are synchronous and may block briefly (an ioctl, a netlink round
/// trip); the engine calls them from its own executor, never from the
/// control server's event loop.
public protocol Datapath: AnyObject, Sendable {
    /// Which datapath this is and why it was chosen (for `valectl status`;
    /// the engine asks `capabilities`, never the kind).
    var info: DatapathInfo { get }

    /// What this datapath can do.
    var capabilities: Capabilities { get }

    /// Every port of every switch, as the datapath reports it now.
    func observe() throws -> [ObservedPort]

    /// True when a netdev called `name` exists (a NIC, a veth end, a
    /// persistent port, a TAP device).
    func interfaceExists(_ name: String) -> Bool

    /// Creates a persistent port (VALE_NEWIF, or a persistent TAP device).
    /// Returns the geometry the datapath actually gave it.
    func createPersistentPort(_ spec: PersistentPortSpec) throws -> PortGeometry

    /// Deletes a persistent port (VALE_DELIF, or the TAP device).
    func deletePersistentPort(named name: String) throws

    /// Attaches an existing netdev to a switch (VALE_ATTACH); returns its port index.
    func attach(_ spec: AttachmentSpec) throws -> UInt32

    /// Detaches `switchName:interface` (VALE_DETACH); also removes its host port.
    func detach(switchName: String, interface: String) throws

    /// Starts kernel polling threads for an attached NIC.
    func enablePolling(switchName: String, interface: String, _ polling: PollingSpec) throws

    /// Stops kernel polling threads.
    func disablePolling(switchName: String, interface: String) throws

    /// Starts kernel polling unless a thread already polls the NIC (started
    /// by valed earlier or by `vale-ctl -p`); returns whether it started one.
    func enablePollingUnlessRunning(switchName: String, interface: String, _ polling: PollingSpec) throws -> Bool

    /// Sets the virtio-net header length of a switch port (PORT_HDR_SET).
    func setVnetHeaderLength(switchName: String, port: String, length: UInt32) throws

    /// Ring geometry and memory of a port, for `valectl port show`.
    func portDetails(switchName: String?, port: String) throws -> PortDetails

    /// Why the datapath cannot work right now (netmap unloaded under valed's
    /// feet), or nil when it is available.
    func unavailability() -> String?

    /// Changes each time the process or module that holds the switches was
    /// replaced without valed seeing it down: a vale-switchd that crashed
    /// and was restarted between two of valed's checks. What the new one
    /// restored from its own state may differ from the desired state (a
    /// port it could not attach, a state file it lost), so the engine
    /// reconciles when the value moved. Constant where nothing can be
    /// replaced under valed (netmap: an unload is seen as `unavailability`).
    var generation: UInt64 { get }

    /// Lets go of the kernel (closes /dev/netmap, whose open descriptor holds
    /// a reference on the module) before a module unload.
    func suspend()

    /// Opens the kernel again after `suspend` or after netmap came back.
    func resume() throws

    /// Swaps the driver of the NIC `interface` for the build this datapath
    /// needs (`driver: native`: netmap's patched driver); returns what it
    /// did, or nil when nothing had to change. The engine then waits for the
    /// NIC to come back.
    func swapToNativeDriver(of interface: String) async throws -> String?

    /// Why attaching `spec` would not work on this datapath although every
    /// request would succeed (netmap's native veth rule, NETMAP-API.md 7.5),
    /// given the interfaces on switches now; nil when it is fine. The engine
    /// refuses such an attach unless forced.
    func attachProblem(_ spec: AttachmentSpec, attachedInterfaces: Set<String>) -> String?

    /// Learned MAC addresses per switch, for the metrics endpoint; empty
    /// where the datapath does not expose its tables (netmap).
    func learnedAddressCounts() -> [(switchName: String, addresses: Int)]
}

extension Datapath {
    public func unavailability() -> String? { nil }
    public var generation: UInt64 { 0 }
    public func enablePollingUnlessRunning(switchName: String, interface: String, _ polling: PollingSpec) throws -> Bool {
        try enablePolling(switchName: switchName, interface: interface, polling)
        return true
    }
    public func suspend() {}
    public func resume() throws {}
    public func swapToNativeDriver(of interface: String) async throws -> String? { nil }
    public func attachProblem(_ spec: AttachmentSpec, attachedInterfaces: Set<String>) -> String? { nil }
    public func learnedAddressCounts() -> [(switchName: String, addresses: Int)] { [] }
}

/// Which datapath runs, as `valectl status` reports it.
public struct DatapathInfo: Sendable, Equatable {
    public enum Kind: String, Sendable { case kernel, userspace }
    public var kind: Kind
    /// Why this datapath was chosen ("/dev/netmap is absent", "configured").
    public var reason: String
    /// The netmap API version the kernel accepted (kernel datapath).
    public var netmapAPIVersion: Int?
    /// What the switches run in, for messages about it vanishing and coming
    /// back: "netmap" (the kernel module) or "vale-switchd" (the forwarding
    /// process).
    public var component: String

    public init(kind: Kind, reason: String, netmapAPIVersion: Int? = nil, component: String) {
        self.kind = kind; self.reason = reason; self.netmapAPIVersion = netmapAPIVersion; self.component = component
    }
}

/// One port of a switch as the datapath lists it (VALE_LIST).
public struct ObservedPort: Sendable, Equatable {
    public var switchName: String
    /// The port part of the name: `eth0`, `eth0^` (host port), `vm1`.
    public var port: String
    public var bridgeIndex: Int
    public var portIndex: Int
    public var counters: Counters?
    /// True when the kernel lists the port without its `switch:` prefix: a
    /// persistent port caught by the rename trap (NETMAP-API.md 7.11), which
    /// can no longer be detached by name. `switchName` is then a guess.
    public var renamedByKernel: Bool

    public init(switchName: String, port: String, bridgeIndex: Int, portIndex: Int, counters: Counters? = nil, renamedByKernel: Bool = false) {
        self.switchName = switchName; self.port = port; self.bridgeIndex = bridgeIndex
        self.portIndex = portIndex; self.counters = counters; self.renamedByKernel = renamedByKernel
    }

    /// True for the host-stack port `switch:IF^` of a NIC attached with its host stack.
    public var isHostPort: Bool { port.hasSuffix("^") }
    /// The interface this port belongs to (`eth0` for `eth0^`).
    public var interface: String { isHostPort ? String(port.dropLast()) : port }
    public var key: String { "\(switchName):\(interface)" }
}

/// What `valectl port show` tells about a port's rings and memory.
public struct PortDetails: Sendable, Equatable {
    public var txSlots: UInt32
    public var rxSlots: UInt32
    public var txRings: UInt16
    public var rxRings: UInt16
    public var memoryID: UInt16?
    public var memorySize: UInt64?
    public var vnetHeaderLength: UInt32?

    public init(txSlots: UInt32, rxSlots: UInt32, txRings: UInt16, rxRings: UInt16,
                memoryID: UInt16? = nil, memorySize: UInt64? = nil, vnetHeaderLength: UInt32? = nil) {
        self.txSlots = txSlots; self.rxSlots = rxSlots; self.txRings = txRings; self.rxRings = rxRings
        self.memoryID = memoryID; self.memorySize = memorySize; self.vnetHeaderLength = vnetHeaderLength
    }
}
