#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The userspace datapath as the daemon's engine drives it: switches made
/// of AF_PACKET ports (NICs, veth ends, TAP netdevs), each forwarded by its
/// own packet thread, plus persistent TAP devices for VMs and port monitors.
///
/// All methods are synchronous and return quickly (at most one forwarding
/// batch of waiting); call them from any thread or actor.
///
/// Namespaces: `attachInterface`, `createTAP` and `deleteTAP` resolve
/// interface names in the network namespace of the calling thread; an
/// attached port stays in that namespace whichever thread forwards it.
public final class UserspaceSwitchHost: Sendable {
    private let switches = Mutex<[String: SwitchDatapath]>([:])
    private let system: any PacketSystem
    private let clock: any SwitchClock
    private let monitorIDs = Atomic<Int>(0)
    /// The monitors of each live token, so `removeMonitor` needs no switch
    /// lock: it is called from a handler on the packet thread and from event
    /// loops, neither of which may wait for (or re-enter) a forwarding batch.
    private let monitorTargets = Mutex<[Int: PortMonitors]>([:])

    /// A host with no switches. `system` is the syscall seam (tests pass a
    /// recorder), `clock` drives MAC aging.
    public init(system: any PacketSystem = LivePacketSystem(), clock: any SwitchClock = MonotonicSwitchClock()) {
        self.system = system
        self.clock = clock
    }

    deinit { shutdown() }

    // MARK: Switches

    /// Creates the switch `name` with no ports and starts its packet thread.
    /// Here the name is only a label; valed names its switches with
    /// NetmapKit's grammar (`vale…`, NETMAP-API.md 4.3) before they get here.
    public func createSwitch(_ name: String, configuration: SwitchConfiguration = SwitchConfiguration()) throws(SwitchError) {
        guard configuration.tableSize > 0, configuration.agingSeconds >= 0, configuration.defaultMaxFrameSize >= 14,
              configuration.batchSize > 0, configuration.receiveRingMiB > 0 else {
            throw SwitchError(.invalidArgument, "cannot create switch \(name): table size, batch size, ring size and max frame size (at least 14) must be positive, aging not negative")
        }
        let datapath = try SwitchDatapath(name: name, configuration: configuration, clock: clock, system: system)
        let added = switches.withLock { table -> Bool in
            guard table[name] == nil else { return false }
            table[name] = datapath
            return true
        }
        guard added else {
            datapath.stop()
            throw SwitchError(.switchExists, "cannot create switch \(name): it exists already (EEXIST)", errno: .fileExists)
        }
        datapath.start()
    }

    /// Stops the switch's packet thread and detaches all its ports (TAP
    /// devices stay; delete them with `deleteTAP`).
    public func deleteSwitch(_ name: String) throws(SwitchError) {
        guard let datapath = switches.withLock({ $0.removeValue(forKey: name) }) else {
            throw SwitchError(.noSuchSwitch, "cannot delete switch \(name): no such switch (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        datapath.stop()
    }

    /// Stops every switch (clean shutdown). TAP devices persist.
    public func shutdown() {
        let all = switches.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for datapath in all { datapath.stop() }
    }

    // MARK: Ports

    /// Attaches the interface `interface` (a NIC, a veth end or a TAP made by
    /// `createTAP`) to `switchName` through an AF_PACKET socket; returns the
    /// port index. `hostStack` is recorded: on this datapath the host stack
    /// keeps its normal path through the interface either way (AF_PACKET
    /// copies frames, it does not divert them). `maxFrameSize` defaults to
    /// the interface MTU + 14. Errors: noSuchSwitch, noSuchInterface (ENODEV),
    /// portExists, switchFull, system.
    ///
    /// `socket(AF_PACKET)`, TPACKET_V2, `PACKET_VNET_HDR`, `PACKET_COPY_THRESH`,
    /// `PACKET_AUXDATA`, `SO_RCVBUFFORCE`, `PACKET_RX_RING` + `mmap`,
    /// `PACKET_IGNORE_OUTGOING`, `PACKET_MR_PROMISC`, `bind`.
    @discardableResult
    public func attachInterface(switch switchName: String, interface: String, hostStack: Bool = false,
                                maxFrameSize: Int? = nil) throws(SwitchError) -> Int {
        let what = "cannot attach \(switchName):\(interface)"
        try InterfaceRequests.checkName(interface, what: "interface")
        guard let datapath = switches.withLock({ $0[switchName] }) else {
            throw SwitchError(.noSuchSwitch, "\(what): no such switch \(switchName) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        if let owner = owner(of: interface) {
            throw SwitchError(.portExists, "\(what): \(interface) is already attached to \(owner) (EBUSY)", errno: .resourceBusy)
        }
        let io = try PacketSocketPort.open(interface: interface,
                                           transmitRing: datapath.configuration.transmitRing,
                                           ringMiB: datapath.configuration.receiveRingMiB,
                                           what: what, system: system)
        let kind: PortKind = io.isTAP ? .tap : (io.driver == "veth" ? .veth : .nic)
        let frameLimit = maxFrameSize ?? (io.mtu > 0 ? io.mtu + 14 : datapath.configuration.defaultMaxFrameSize)
        do {
            return try datapath.add(io, kind: kind, hostStack: hostStack, maxFrameSize: frameLimit)
        } catch {
            io.close()
            throw error
        }
    }

    /// Detaches port `port` of `switchName`; its socket is closed and the
    /// addresses learned on it are forgotten. Monitors of the port end.
    public func detach(switch switchName: String, port: Int) throws(SwitchError) {
        guard let datapath = switches.withLock({ $0[switchName] }) else {
            throw SwitchError(.noSuchSwitch, "cannot detach \(switchName):\(port): no such switch \(switchName) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        guard datapath.remove(port) != nil else {
            throw SwitchError(.noSuchPort, "cannot detach \(switchName):\(port): no port \(port) on \(switchName) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
    }

    /// Detaches the port of `switchName` attached to `interface`; returns its index.
    @discardableResult
    public func detach(switch switchName: String, interface: String) throws(SwitchError) -> Int {
        guard let datapath = switches.withLock({ $0[switchName] }) else {
            throw SwitchError(.noSuchSwitch, "cannot detach \(switchName):\(interface): no such switch \(switchName) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        guard let port = datapath.ports.first(where: { $0.io.interface == interface }), datapath.remove(port.index) != nil else {
            throw SwitchError(.noSuchPort, "cannot detach \(switchName):\(interface): \(interface) is not attached to \(switchName) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        return port.index
    }

    /// The switch `interface` is attached to, if any.
    public func owner(of interface: String) -> String? {
        let all = switches.withLock { Array($0.values) }
        return all.first { $0.ports.contains { $0.io.interface == interface } }?.name
    }

    // MARK: TAP devices

    /// Creates the persistent TAP device `name` for a VM (TUNSETIFF
    /// IFF_TAP|IFF_NO_PI, TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST), sets its
    /// MTU when given and brings it up. The switch does not hold it open: the
    /// VM opens it by name (`-netdev tap,ifname=NAME,script=no,downscript=no`);
    /// attach it to a switch with `attachInterface`. An existing TAP of that
    /// name (left by an earlier run) is adopted and reported as `.adopted`.
    @discardableResult
    public func createTAP(_ name: String, owner: UInt32? = nil, group: UInt32? = nil, mtu: Int? = nil) throws(SwitchError) -> TAPCreation {
        try TAPDevice(system: system).create(name, owner: owner, group: group, mtu: mtu)
    }

    /// Detaches `name` from any switch, then removes the TAP device
    /// (TUNSETPERSIST 0). Fails with `busy` while a VM has it open.
    public func deleteTAP(_ name: String) throws(SwitchError) {
        let tap = TAPDevice(system: system)
        try InterfaceRequests.checkName(name, what: "TAP")
        let state = tap.existing(name)
        if state.exists && !state.isTAP {
            throw SwitchError(.notATAP, "cannot delete TAP \(name): \(name) is not a TAP device (EINVAL)", errno: .invalidArgument)
        }
        if let owner = owner(of: name) { _ = try? detach(switch: owner, interface: name) }
        try tap.delete(name)
    }

    /// True when a TAP device `name` exists (in the calling thread's namespace).
    public func tapExists(_ name: String) -> Bool {
        let state = TAPDevice(system: system).existing(name)
        return state.exists && state.isTAP
    }

    // MARK: Observing

    /// Every switch with its ports, counters and link states.
    public func list() -> [SwitchInfo] {
        let all = switches.withLock { Array($0.values) }.sorted { $0.name < $1.name }
        return all.map(info)
    }

    /// One switch.
    public func info(switch name: String) throws(SwitchError) -> SwitchInfo {
        guard let datapath = switches.withLock({ $0[name] }) else {
            throw SwitchError(.noSuchSwitch, "no such switch \(name) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        return info(datapath)
    }

    private func info(_ datapath: SwitchDatapath) -> SwitchInfo {
        let states = datapath.portStates()
        let ports = datapath.ports.map { port in
            PortInfo(index: port.index, name: port.io.interface, kind: port.kind, hostStack: port.hostStack,
                     maxFrameSize: port.maxFrameSize, state: states[port.index] ?? .gone,
                     counters: port.statistics.snapshot)
        }
        return SwitchInfo(name: datapath.name, configuration: datapath.configuration, ports: ports,
                          learnedAddresses: datapath.learnedAddresses)
    }

    /// The counters of one port, read without stopping traffic.
    public func counters(switch name: String, port: Int) throws(SwitchError) -> PortCounters {
        try switchPort(name, port, what: "no port").statistics.snapshot
    }

    // MARK: Monitors

    /// Copies the frames of a port to `handler` until `removeMonitor`. Used
    /// by `valectl monitor`. The handler runs on the packet thread after it
    /// has released the switch, with no lock held: it may call back into
    /// this host (`removeMonitor` when its stream ends), but it must return
    /// quickly (hand the frame to a queue or an AsyncStream continuation).
    /// `ended` is called once, with no lock held, when the monitor ends
    /// because its port was detached or its switch deleted (not after
    /// `removeMonitor`).
    public func addMonitor(switch name: String, port: Int, direction: MonitorDirection = .both,
                           ended: (@Sendable () -> Void)? = nil,
                           handler: @escaping MonitorHandler) throws(SwitchError) -> MonitorToken {
        let target = try switchPort(name, port, what: "cannot monitor")
        let id = monitorIDs.add(1, ordering: .relaxed).newValue
        monitorTargets.withLock { $0[id] = target.monitors }
        target.monitors.add(id: id, direction: direction, handler: handler, ended: ended)
        return MonitorToken(switchName: name, port: port, id: id)
    }

    /// Stops a monitor; nothing happens when it already ended (its port was
    /// detached or its switch deleted) or was removed before. Takes no lock
    /// of the switch, so it is safe from a monitor handler and never waits
    /// for a forwarding batch. A frame the packet thread had already copied
    /// may still reach the handler once.
    public func removeMonitor(_ token: MonitorToken) {
        monitorTargets.withLock { $0.removeValue(forKey: token.id) }?.remove(id: token.id)
    }

    private func switchPort(_ name: String, _ index: Int, what: String) throws(SwitchError) -> SwitchPort {
        guard let datapath = switches.withLock({ $0[name] }) else {
            throw SwitchError(.noSuchSwitch, "\(what) \(name):\(index): no such switch \(name) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        guard let port = datapath.port(index) else {
            throw SwitchError(.noSuchPort, "\(what) \(name):\(index): no port \(index) on \(name) (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        return port
    }
}
