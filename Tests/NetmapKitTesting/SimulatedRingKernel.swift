#if canImport(Glibc)
import Glibc
#endif
import CNetmap
import NetmapKit
import Synchronization

/// A ``NetmapSystemCalls`` that plays the data path of one port: REGISTER
/// answers with a shared region laid out as NETMAP-API.md 2.2.13 describes
/// (`netmap_if`, its `ring_ofs[]`, 128-aligned `netmap_ring`s with their
/// slots, and a buffer pool whose buffers 0 and 1 are reserved), `mmap`
/// returns that region, `NIOCTXSYNC` takes the frames user space queued,
/// `NIOCRXSYNC` delivers queued frames, and `poll` reports readiness.
///
/// Only the rings the register mode binds get a non-zero `ring_ofs` entry.
public final class SimulatedRingKernel: NetmapSystemCalls {
    /// Shape of the simulated port.
    public struct Geometry: Sendable {
        /// Hardware TX/RX rings and host TX/RX rings.
        public var txRings = 2, rxRings = 2, hostTXRings = 1, hostRXRings = 1
        /// Slots per ring.
        public var slots = 8
        /// Bytes per buffer.
        public var bufferSize = 2048
        /// `ni_name`.
        public var interfaceName = "sim0"
        /// `nr_mem_id` reported.
        public var memoryRegion: UInt16 = 3

        /// The default geometry.
        public init() {}
    }

    struct State {
        var region: UnsafeMutableRawPointer?
        var regionSize = 0
        var interfaceOffset = 256
        var ringOffsets: [Int] = []  // absolute, per table entry (tx, hostTX, rx, hostRX)
        var bound: Set<Int> = []
        var boundTX: [Int] = []  // sorted once at REGISTER: txsync must not allocate
        var boundRX: [Int] = []
        var hwcur: [Int: Int] = [:]
        var pendingRX: [[UInt8]] = []
        var transmitted: [[UInt8]] = []
        var recordsTransmitted = true
        var transmittedCount = 0, transmittedBytes = 0
        var endlessFrame: [UInt8]? = nil
        var registered = false
        var mapped = false
    }

    /// The geometry in use.
    public let geometry: Geometry
    private let state = Mutex<SendableState>(SendableState(State()))

    struct SendableState: @unchecked Sendable {
        var value: State
        init(_ value: State) { self.value = value }
    }

    /// Creates the kernel; nothing is allocated until REGISTER.
    public init(geometry: Geometry = Geometry()) { self.geometry = geometry }

    deinit {
        state.withLock { if let region = $0.value.region { region.deallocate() } }
    }

    /// Queues frames the "wire" delivers on the next `NIOCRXSYNC` (to RX ring 0).
    public func deliver(_ frames: [[UInt8]]) { state.withLock { $0.value.pendingRX += frames } }

    /// Frames taken from TX rings by `NIOCTXSYNC`, in order (empty after
    /// ``discardTransmittedFrames()``).
    public var transmitted: [[UInt8]] { state.withLock { $0.value.transmitted } }

    /// Frames and bytes taken from TX rings so far, kept or not.
    public var transmittedTotals: (frames: Int, bytes: Int) {
        state.withLock { ($0.value.transmittedCount, $0.value.transmittedBytes) }
    }

    /// From now on `NIOCTXSYNC` only counts the frames it takes (no copy, no
    /// allocation), so a benchmark measures user space, not this model.
    public func discardTransmittedFrames() { state.withLock { $0.value.recordsTransmitted = false } }

    /// From now on every `NIOCRXSYNC` fills all free slots of RX ring 0 with
    /// `frame` (copied into each buffer, as a VALE port copies): a wire that
    /// never runs dry, without allocating, for benchmarks.
    public func deliverContinuously(_ frame: [UInt8]) { state.withLock { $0.value.endlessFrame = frame } }

    /// Writes `bufferIndex` into a slot of ring `tableIndex` (tx, host tx, rx,
    /// host rx order), as a faulty peer could: for tests of bounds checks.
    public func overwriteBufferIndex(ring tableIndex: Int, slot: Int, with bufferIndex: UInt32) {
        state.withLock { s in
            guard let region = s.value.region else { return }
            let ring = region + s.value.ringOffsets[tableIndex]
            ring.storeBytes(of: bufferIndex, toByteOffset: Self.ring.slots + slot * MemoryLayout<netmap_slot>.size, as: UInt32.self)
        }
    }

    /// Whether user space has mapped the region.
    public var isMapped: Bool { state.withLock { $0.value.mapped } }

    static let ring = (
        bufferOffset: Int(cnetmap_offsetof_netmap_ring("buf_ofs")),
        numSlots: Int(cnetmap_offsetof_netmap_ring("num_slots")),
        bufferSize: Int(cnetmap_offsetof_netmap_ring("nr_buf_size")),
        ringID: Int(cnetmap_offsetof_netmap_ring("ringid")),
        direction: Int(cnetmap_offsetof_netmap_ring("dir")),
        head: Int(cnetmap_offsetof_netmap_ring("head")),
        cur: Int(cnetmap_offsetof_netmap_ring("cur")),
        tail: Int(cnetmap_offsetof_netmap_ring("tail")),
        slots: Int(cnetmap_offsetof_netmap_ring("slot")),
        size: Int(cnetmap_sizeof_netmap_ring())
    )

    /// Plays the data-path kernel (see the type's description).
    public func open(_ path: String, flags: Int32) throws(Errno) -> Int32 { 7 }
    /// Plays the data-path kernel (see the type's description).
    public func close(_ fd: Int32) throws(Errno) {}

    /// Plays the data-path kernel (see the type's description).
    public func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        switch request {
        case Netmap.NIOCCTRL:
            guard let argument else { throw .invalidArgument }
            let header = argument.assumingMemoryBound(to: nmreq_header.self)
            guard header.pointee.nr_reqtype == NetmapRequestType.register.rawValue,
                  let body = UnsafeMutableRawPointer(bitPattern: UInt(header.pointee.nr_body)) else { throw .invalidArgument }
            try register(body)
            return 0
        case Netmap.NIOCTXSYNC:
            try state.withLock { (s: inout SendableState) throws(Errno) in try txsync(&s.value) }
            return 0
        case Netmap.NIOCRXSYNC:
            try state.withLock { (s: inout SendableState) throws(Errno) in try rxsync(&s.value) }
            return 0
        default:
            throw .notSupported
        }
    }

    /// Plays the data-path kernel (see the type's description).
    public func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        try state.withLock { (s: inout SendableState) throws(Errno) -> UnsafeMutableRawPointer in
            guard s.value.registered, let region = s.value.region, offset == 0, length <= s.value.regionSize else { throw .invalidArgument }
            s.value.mapped = true
            return region
        }
    }

    /// Plays the data-path kernel (see the type's description).
    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
        state.withLock { $0.value.mapped = false }
    }

    /// Plays the data-path kernel (see the type's description). Like
    /// netmap's poll, POLLOUT runs txsync and POLLIN runs rxsync first
    /// (NETMAP-API.md 1.3, step 5), so poll alone is enough to move frames.
    public func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int {
        var requested: Int16 = 0
        for i in descriptors.indices { requested |= descriptors[i].events }
        let wants = requested
        let readable = try state.withLock { (s: inout SendableState) throws(Errno) -> Bool in
            if s.value.registered {
                if wants & Int16(POLLOUT) != 0 { try txsync(&s.value) }
                if wants & Int16(POLLIN) != 0 { try rxsync(&s.value) }
            }
            return !s.value.pendingRX.isEmpty || s.value.bound.contains { index in
                let ring = s.value.region! + s.value.ringOffsets[index]
                let dir = ring.load(fromByteOffset: Self.ring.direction, as: UInt16.self)
                return dir == 1 && ring.load(fromByteOffset: Self.ring.head, as: UInt32.self) != ring.load(fromByteOffset: Self.ring.tail, as: UInt32.self)
            }
        }
        var ready = 0
        for i in descriptors.indices {
            var revents = descriptors[i].events & Int16(POLLOUT)
            if readable { revents |= descriptors[i].events & Int16(POLLIN) }
            descriptors[i].revents = revents
            if revents != 0 { ready += 1 }
        }
        return ready
    }

    // MARK: Region

    private func register(_ body: UnsafeMutableRawPointer) throws(Errno) {
        let g = geometry
        let mode = body.load(fromByteOffset: MemoryLayout<nmreq_register>.offset(of: \.nr_mode)!, as: UInt32.self)
        let ringID = Int(body.load(fromByteOffset: MemoryLayout<nmreq_register>.offset(of: \.nr_ringid)!, as: UInt16.self))
        let total = g.txRings + g.hostTXRings + g.rxRings + g.hostRXRings
        // Which table entries (tx, hostTX, rx, hostRX order) this mode binds.
        func entries(hardware: Bool, host: Bool, one: Int?) -> Set<Int> {
            var result: Set<Int> = []
            for (start, hw, hs) in [(0, g.txRings, g.hostTXRings), (g.txRings + g.hostTXRings, g.rxRings, g.hostRXRings)] {
                if hardware { for i in 0..<hw where one == nil || one == i { result.insert(start + i) } }
                if host { for i in 0..<hs where one == nil || one == i { result.insert(start + hw + i) } }
            }
            return result
        }
        let bound: Set<Int>
        switch mode {
        case 1: bound = entries(hardware: true, host: false, one: nil)
        case 2: bound = entries(hardware: false, host: true, one: nil)
        case 3: bound = entries(hardware: true, host: true, one: nil)
        case 4: bound = entries(hardware: true, host: false, one: ringID)
        case 8: bound = entries(hardware: false, host: true, one: ringID)
        default: throw .invalidArgument
        }
        try state.withLock { (s: inout SendableState) throws(Errno) in
            if s.value.registered { throw .resourceBusy }
            let ringStride = (Self.ring.slots + g.slots * MemoryLayout<netmap_slot>.size + 127) / 128 * 128
            let ringsStart = 4096
            let buffersStart = (ringsStart + total * ringStride + 4095) / 4096 * 4096
            let bufferCount = 2 + total * g.slots
            let size = buffersStart + bufferCount * g.bufferSize
            let region = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
            region.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            let nifp = region + s.value.interfaceOffset
            for (i, byte) in g.interfaceName.utf8.prefix(15).enumerated() { nifp.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
            func put(_ value: Int, _ key: PartialKeyPath<netmap_if>) {
                nifp.storeBytes(of: UInt32(value), toByteOffset: MemoryLayout<netmap_if>.offset(of: key)!, as: UInt32.self)
            }
            put(g.txRings, \netmap_if.ni_tx_rings)
            put(g.rxRings, \netmap_if.ni_rx_rings)
            put(g.hostTXRings, \netmap_if.ni_host_tx_rings)
            put(g.hostRXRings, \netmap_if.ni_host_rx_rings)
            var offsets: [Int] = []
            let table = Int(cnetmap_offsetof_netmap_if_ring_ofs())
            for index in 0..<total {
                let ringOffset = ringsStart + index * ringStride
                offsets.append(ringOffset)
                let ring = region + ringOffset
                let isRX = index >= g.txRings + g.hostTXRings
                ring.storeBytes(of: Int64(buffersStart - ringOffset), toByteOffset: Self.ring.bufferOffset, as: Int64.self)
                ring.storeBytes(of: UInt32(g.slots), toByteOffset: Self.ring.numSlots, as: UInt32.self)
                ring.storeBytes(of: UInt32(g.bufferSize), toByteOffset: Self.ring.bufferSize, as: UInt32.self)
                let local = isRX ? index - g.txRings - g.hostTXRings : index
                ring.storeBytes(of: UInt16(local), toByteOffset: Self.ring.ringID, as: UInt16.self)
                ring.storeBytes(of: UInt16(isRX ? 1 : 0), toByteOffset: Self.ring.direction, as: UInt16.self)
                // TX: all slots but one free for user space; RX: empty.
                ring.storeBytes(of: UInt32(isRX ? 0 : g.slots - 1), toByteOffset: Self.ring.tail, as: UInt32.self)
                for slot in 0..<g.slots {
                    let address = ring + Self.ring.slots + slot * MemoryLayout<netmap_slot>.size
                    address.storeBytes(of: UInt32(2 + index * g.slots + slot), as: UInt32.self)
                }
                let entry: Int64 = bound.contains(index) ? Int64(ringOffset - s.value.interfaceOffset) : 0
                nifp.storeBytes(of: entry, toByteOffset: table + 8 * index, as: Int64.self)
            }
            s.value.region = region
            s.value.regionSize = size
            s.value.ringOffsets = offsets
            s.value.bound = bound
            s.value.boundTX = bound.sorted().filter { $0 < g.txRings + g.hostTXRings }
            s.value.boundRX = bound.sorted().filter { $0 >= g.txRings + g.hostTXRings }
            s.value.registered = true
            var reg = body.load(as: nmreq_register.self)
            reg.nr_offset = UInt64(s.value.interfaceOffset)
            reg.nr_memsize = UInt64(size)
            reg.nr_tx_slots = UInt32(g.slots)
            reg.nr_rx_slots = UInt32(g.slots)
            reg.nr_tx_rings = UInt16(g.txRings)
            reg.nr_rx_rings = UInt16(g.rxRings)
            reg.nr_host_tx_rings = UInt16(g.hostTXRings)
            reg.nr_host_rx_rings = UInt16(g.hostRXRings)
            reg.nr_mem_id = g.memoryRegion
            body.storeBytes(of: reg, as: nmreq_register.self)
        }
    }

    private func buffer(_ ring: UnsafeMutableRawPointer, slot: Int) -> UnsafeMutableRawPointer {
        let index = Int(ring.load(fromByteOffset: Self.ring.slots + slot * MemoryLayout<netmap_slot>.size, as: UInt32.self))
        let bufOfs = Int(ring.load(fromByteOffset: Self.ring.bufferOffset, as: Int64.self))
        return ring + bufOfs + index * geometry.bufferSize
    }

    private func txsync(_ s: inout State) throws(Errno) {
        guard s.registered, let region = s.region else { throw .noSuchDeviceOrAddress }
        let n = geometry.slots
        for index in s.boundTX {
            let ring = region + s.ringOffsets[index]
            let head = Int(ring.load(fromByteOffset: Self.ring.head, as: UInt32.self))
            var cur = s.hwcur[index] ?? 0
            while cur != head {
                let slot = ring + Self.ring.slots + cur * MemoryLayout<netmap_slot>.size
                let length = Int(slot.load(fromByteOffset: 4, as: UInt16.self))
                s.transmittedCount += 1
                s.transmittedBytes += length
                if s.recordsTransmitted {
                    s.transmitted.append(Array(UnsafeRawBufferPointer(start: buffer(ring, slot: cur), count: length)))
                }
                cur = (cur + 1) % n
            }
            s.hwcur[index] = head
            // Everything was sent: all slots but one are free again.
            ring.storeBytes(of: UInt32((head + n - 1) % n), toByteOffset: Self.ring.tail, as: UInt32.self)
        }
    }

    private func rxsync(_ s: inout State) throws(Errno) {
        guard s.registered, let region = s.region else { throw .noSuchDeviceOrAddress }
        let n = geometry.slots
        let firstRX = geometry.txRings + geometry.hostTXRings
        guard s.bound.contains(firstRX) else { return }
        let ring = region + s.ringOffsets[firstRX]
        let head = Int(ring.load(fromByteOffset: Self.ring.head, as: UInt32.self))
        var tail = Int(ring.load(fromByteOffset: Self.ring.tail, as: UInt32.self))
        if let frame = s.endlessFrame {
            frame.withUnsafeBytes { bytes in
                while (tail + 1) % n != head {
                    buffer(ring, slot: tail).copyMemory(from: bytes.baseAddress!, byteCount: min(bytes.count, geometry.bufferSize))
                    let slot = ring + Self.ring.slots + tail * MemoryLayout<netmap_slot>.size
                    slot.storeBytes(of: UInt16(bytes.count), toByteOffset: 4, as: UInt16.self)
                    tail = (tail + 1) % n
                }
            }
        }
        while !s.pendingRX.isEmpty && (tail + 1) % n != head {
            let frame = s.pendingRX.removeFirst()
            let target = buffer(ring, slot: tail)
            frame.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: min($0.count, geometry.bufferSize)) }
            let slot = ring + Self.ring.slots + tail * MemoryLayout<netmap_slot>.size
            slot.storeBytes(of: UInt16(frame.count), toByteOffset: 4, as: UInt16.self)
            tail = (tail + 1) % n
        }
        ring.storeBytes(of: UInt32(tail), toByteOffset: Self.ring.tail, as: UInt32.self)
    }
}
