/// The forwarding decision of a learning Ethernet switch, with VALE's rules
/// (NETMAP-API.md 2.3.9): learn each unicast source MAC on the port it came
/// from, send known unicast to exactly that port, flood broadcast, multicast
/// and unknown unicast to every other port, never send a frame back out of
/// the port it came from. Unlike VALE's direct-mapped table, entries age.
///
/// Pure: no system calls. The datapath owns one per switch and calls
/// `forward` for each received frame; tests drive it with byte arrays and a
/// fake clock.
public struct LearningSwitch {
    /// One learned address.
    public struct Entry: Sendable, Equatable {
        /// The port the address was last seen on as a source.
        public var port: Int
        /// When (clock nanoseconds) it was last seen.
        public var lastSeen: UInt64
    }

    struct Port {
        var maxFrameSize: Int
        var statistics: PortStatistics
    }

    /// The tunables this switch was made with.
    public let configuration: SwitchConfiguration
    private let clock: any SwitchClock
    private var table: [MACAddress: Entry] = [:]
    /// Ports by index (0..<maxPorts); `active` lists the used indexes in order for flooding.
    private var ports: [Port?] = Array(repeating: nil, count: SwitchConfiguration.maxPorts)
    private var active: [Int] = []
    private var agingNanoseconds: UInt64
    private var lastPurge: UInt64 = 0
    /// Source addresses not learned because the table was full of live entries.
    public private(set) var learningFailures: UInt64 = 0

    /// A switch with no ports and an empty table.
    public init(configuration: SwitchConfiguration = SwitchConfiguration(),
                clock: any SwitchClock = MonotonicSwitchClock()) {
        self.configuration = configuration
        self.clock = clock
        agingNanoseconds = UInt64(max(configuration.agingSeconds, 0)) * 1_000_000_000
    }

    // MARK: Ports

    /// The indexes of the ports, ascending.
    public var portIndexes: [Int] { active }

    /// The lowest free port index, or nil when the switch is full.
    public var freePortIndex: Int? { ports.firstIndex { $0 == nil } }

    /// Adds a port at `index` whose frames may be at most `maxFrameSize`
    /// bytes; the switch counts into `statistics`.
    public mutating func addPort(_ index: Int, maxFrameSize: Int? = nil,
                                 statistics: PortStatistics = PortStatistics()) {
        precondition(ports.indices.contains(index) && ports[index] == nil, "port \(index) is in use or out of range")
        ports[index] = Port(maxFrameSize: maxFrameSize ?? configuration.defaultMaxFrameSize, statistics: statistics)
        active.append(index)
        active.sort()
    }

    /// Removes the port and forgets every address learned on it.
    public mutating func removePort(_ index: Int) {
        guard ports.indices.contains(index), ports[index] != nil else { return }
        ports[index] = nil
        active.removeAll { $0 == index }
        table = table.filter { $0.value.port != index }
    }

    /// The counters of the port at `index`, if there is one.
    public func statistics(of index: Int) -> PortStatistics? {
        ports.indices.contains(index) ? ports[index]?.statistics : nil
    }

    // MARK: Table

    /// Number of addresses in the table (aged ones included until purged).
    public var learnedCount: Int { table.count }

    /// Where `address` was learned, unless it is unknown or has aged out.
    public func lookup(_ address: MACAddress) -> Entry? {
        guard let entry = table[address] else { return nil }
        return isLive(entry, now: clock.nanoseconds()) ? entry : nil
    }

    @inline(__always)
    private func isLive(_ entry: Entry, now: UInt64) -> Bool {
        agingNanoseconds == 0 || now &- entry.lastSeen <= agingNanoseconds
    }

    private mutating func learn(_ source: MACAddress, on port: Int, now: UInt64) {
        if var entry = table[source] {
            // A MAC that moved (a VM migrated, a cable changed) is re-learned at once.
            if entry.port != port || entry.lastSeen != now {
                entry.port = port
                entry.lastSeen = now
                table[source] = entry
            }
            return
        }
        if table.count >= configuration.tableSize {
            // Purge aged entries at most once a second: when the table is full
            // of live entries every new source would otherwise pay a full scan.
            if now &- lastPurge >= 1_000_000_000 || lastPurge == 0 {
                lastPurge = now
                let aging = agingNanoseconds
                if aging > 0 { table = table.filter { now &- $0.value.lastSeen <= aging } }
            }
            // Still full: like the Linux bridge, keep the old entries and do not
            // learn; frames to the new address keep flooding, which is correct.
            if table.count >= configuration.tableSize {
                learningFailures &+= 1
                return
            }
        }
        table[source] = Entry(port: port, lastSeen: now)
    }

    // MARK: Forwarding

    /// Handles one frame received on port `source`: counts it, learns its
    /// source address and calls `deliver` once for each port the frame must
    /// go to. `deliver` returns false when the port could not take the frame,
    /// which is counted as a drop of that port. Frames larger than a
    /// destination's max frame size are counted as that port's drops and not
    /// delivered. Returns the number of ports the frame was delivered to.
    ///
    /// `largestWireFrame` is, for a GSO super-frame, the size of its largest
    /// segment (headers + gso_size, see `SoftwareOffload.largestWireFrame`):
    /// that, not the super-frame's length, is compared with the max frame
    /// sizes. The frame is still counted once, with its own length.
    @discardableResult
    public mutating func forward(_ frame: UnsafeRawBufferPointer, from source: Int, largestWireFrame: Int? = nil,
                                 deliver: (Int) -> Bool) -> Int {
        guard ports.indices.contains(source), let sourcePort = ports[source] else { return 0 }
        guard frame.count >= 14 else {
            sourcePort.statistics.countReceiveDrops()
            return 0
        }
        sourcePort.statistics.countReceived(bytes: frame.count)
        let destination = MACAddress(frame: frame, offset: 0)
        let sender = MACAddress(frame: frame, offset: 6)
        let now = clock.nanoseconds()
        // A group source address is bogus; VALE does not learn it either.
        if !sender.isMulticast { learn(sender, on: source, now: now) }

        if !destination.isMulticast, let entry = table[destination] {
            if isLive(entry, now: now) {
                // Known and on the source port: the frame is already where it
                // belongs (VALE drops it too); never reflect.
                if entry.port == source { return 0 }
                return transmit(frame, wireSize: largestWireFrame ?? frame.count, to: entry.port, deliver) ? 1 : 0
            }
            table[destination] = nil
        }
        var delivered = 0
        for index in active where index != source {
            if transmit(frame, wireSize: largestWireFrame ?? frame.count, to: index, deliver) { delivered += 1 }
        }
        return delivered
    }

    @inline(__always)
    private func transmit(_ frame: UnsafeRawBufferPointer, wireSize: Int, to index: Int, _ deliver: (Int) -> Bool) -> Bool {
        guard let port = ports[index] else { return false }
        if wireSize > port.maxFrameSize {
            port.statistics.countSendDrop()
            return false
        }
        if deliver(index) {
            port.statistics.countSent(bytes: frame.count)
            return true
        }
        port.statistics.countSendDrop()
        return false
    }

    /// Convenience for tests and tools: forwards a frame held in an array and
    /// returns the ports it went to.
    public mutating func forward(_ frame: [UInt8], from source: Int, largestWireFrame: Int? = nil) -> [Int] {
        var out: [Int] = []
        frame.withUnsafeBytes { bytes in
            _ = forward(bytes, from: source, largestWireFrame: largestWireFrame) { out.append($0); return true }
        }
        return out
    }
}
