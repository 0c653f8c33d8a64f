import CNetmap

/// One ring of an open ``NetmapPort``: the three indices of NETMAP-API.md 1.4
/// and the slots, with bounds-checked access to packet buffers.
public struct NetmapRing {
    /// Field offsets of `struct netmap_ring` (Swift cannot import the struct:
    /// its `sem` member is 128-byte aligned), taken from our C declaration.
    enum Layout {
        static let bufferOffset = Int(cnetmap_offsetof_netmap_ring("buf_ofs"))
        static let numSlots = Int(cnetmap_offsetof_netmap_ring("num_slots"))
        static let bufferSize = Int(cnetmap_offsetof_netmap_ring("nr_buf_size"))
        static let ringID = Int(cnetmap_offsetof_netmap_ring("ringid"))
        static let direction = Int(cnetmap_offsetof_netmap_ring("dir"))
        static let head = Int(cnetmap_offsetof_netmap_ring("head"))
        static let cur = Int(cnetmap_offsetof_netmap_ring("cur"))
        static let tail = Int(cnetmap_offsetof_netmap_ring("tail"))
        static let flags = Int(cnetmap_offsetof_netmap_ring("flags"))
        static let slots = Int(cnetmap_offsetof_netmap_ring("slot"))
        static let slotSize = MemoryLayout<netmap_slot>.size
        static let slotLength = MemoryLayout<netmap_slot>.offset(of: \netmap_slot.len)!
        static let slotFlags = MemoryLayout<netmap_slot>.offset(of: \netmap_slot.flags)!
        static let slotPointer = MemoryLayout<netmap_slot>.offset(of: \netmap_slot.ptr)!
    }

    /// A slot's contents (`struct netmap_slot`).
    public struct Slot: Sendable, Hashable {
        /// `buf_idx`.
        public var bufferIndex: UInt32
        /// `len`.
        public var length: UInt16
        /// `flags`.
        public var flags: SlotFlags
        /// `ptr`.
        public var pointer: UInt64
    }

    let port: NetmapPort
    let offset: Int
    /// `num_slots`.
    public let slotCount: Int

    private var base: UnsafeMutableRawPointer { port.mappedBase() + offset }

    /// `nr_buf_size`: bytes per buffer.
    public var bufferSize: Int { Int(base.load(fromByteOffset: Layout.bufferSize, as: UInt32.self)) }
    /// `ringid`.
    public var ringID: UInt16 { base.load(fromByteOffset: Layout.ringID, as: UInt16.self) }
    /// `dir`: true for RX rings.
    public var isReceive: Bool { base.load(fromByteOffset: Layout.direction, as: UInt16.self) == 1 }
    /// `tail`: first slot owned by the kernel.
    public var tail: Int { Int(base.load(fromByteOffset: Layout.tail, as: UInt32.self)) }

    /// `head`: first slot owned by user space.
    public var head: Int {
        get { Int(base.load(fromByteOffset: Layout.head, as: UInt32.self)) }
        nonmutating set {
            precondition(newValue >= 0 && newValue < slotCount, "head \(newValue) outside 0..<\(slotCount)")
            base.storeBytes(of: UInt32(newValue), toByteOffset: Layout.head, as: UInt32.self)
        }
    }

    /// `cur`: the wake-up point.
    public var cur: Int {
        get { Int(base.load(fromByteOffset: Layout.cur, as: UInt32.self)) }
        nonmutating set {
            precondition(newValue >= 0 && newValue < slotCount, "cur \(newValue) outside 0..<\(slotCount)")
            base.storeBytes(of: UInt32(newValue), toByteOffset: Layout.cur, as: UInt32.self)
        }
    }

    /// `flags` of the ring (`NR_TIMESTAMP`, `NR_FORWARD`).
    public var ringFlags: UInt32 {
        get { base.load(fromByteOffset: Layout.flags, as: UInt32.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: Layout.flags, as: UInt32.self) }
    }

    /// Slots in `[head, tail)`: received frames on RX, free slots on TX.
    public var available: Int {
        let head = head, tail = tail
        return tail >= head ? tail - head : tail + slotCount - head
    }

    /// The slot after `index`, modulo the ring size.
    public func next(_ index: Int) -> Int { index + 1 == slotCount ? 0 : index + 1 }

    /// Reads slot `index`.
    public func slot(_ index: Int) -> Slot {
        let slot = slotAddress(index)
        return Slot(bufferIndex: slot.load(as: UInt32.self),
                    length: slot.load(fromByteOffset: Layout.slotLength, as: UInt16.self),
                    flags: SlotFlags(rawValue: slot.load(fromByteOffset: Layout.slotFlags, as: UInt16.self)),
                    pointer: slot.load(fromByteOffset: Layout.slotPointer, as: UInt64.self))
    }

    /// Sets `len` and `flags` of slot `index`.
    public func setSlot(_ index: Int, length: UInt16, flags: SlotFlags = []) {
        let slot = slotAddress(index)
        slot.storeBytes(of: length, toByteOffset: Layout.slotLength, as: UInt16.self)
        slot.storeBytes(of: flags.rawValue, toByteOffset: Layout.slotFlags, as: UInt16.self)
    }

    /// Lends the buffer of slot `index` (`nr_buf_size` bytes) to `body`. The
    /// pointer must not escape `body`. Throws when the slot's buffer index
    /// points outside the mapped region.
    public func withBuffer<R>(slot index: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
        let bufferIndex = Int(slot(index).bufferIndex)
        let size = bufferSize
        let start = offset + Int(base.load(fromByteOffset: Layout.bufferOffset, as: Int64.self)) + bufferIndex * size
        guard bufferIndex >= 2, size > 0, start >= 0, start + size <= port.regionSize else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                              detail: "buffer \(bufferIndex) of ring \(ringID) lies outside the region")
        }
        return try body(UnsafeMutableRawBufferPointer(start: port.mappedBase() + start, count: size))
    }

    /// Swaps the buffers of slot `index` here and slot `otherIndex` of `other`
    /// (a ring of the same port, hence the same region) and marks both slots
    /// `NS_BUF_CHANGED`: zero-copy forwarding.
    public func swapBuffer(slot index: Int, with other: NetmapRing, slot otherIndex: Int) {
        precondition(other.port === port, "buffers can only be swapped between rings of one memory region")
        let a = slotAddress(index), b = other.slotAddress(otherIndex)
        let first = a.load(as: UInt32.self), second = b.load(as: UInt32.self)
        a.storeBytes(of: second, as: UInt32.self)
        b.storeBytes(of: first, as: UInt32.self)
        for slot in [a, b] {
            let flags = slot.load(fromByteOffset: Layout.slotFlags, as: UInt16.self) | SlotFlags.bufferChanged.rawValue
            slot.storeBytes(of: flags, toByteOffset: Layout.slotFlags, as: UInt16.self)
        }
    }

    /// Moves `head` and `cur` forward by `count` slots (giving them to the kernel).
    public func advance(by count: Int = 1) {
        precondition(count >= 0 && count <= available, "cannot advance by \(count) with \(available) slots available")
        let new = (head + count) % slotCount
        head = new
        cur = new
    }

    /// Copies `frame` into the next free TX slot and advances; false when the
    /// ring is full. Frames longer than a buffer throw. Call ``NetmapPort/txSync()`` to send.
    public func transmit(_ frame: some Collection<UInt8>) throws -> Bool {
        guard available > 0 else { return false }
        let index = head
        let count = frame.count
        guard count <= bufferSize, count <= Int(UInt16.max) else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                              detail: "a frame of \(count) bytes does not fit a \(bufferSize)-byte buffer")
        }
        try withBuffer(slot: index) { buffer in _ = buffer.initializeMemory(as: UInt8.self, from: frame) }
        setSlot(index, length: UInt16(count))
        advance()
        return true
    }

    /// Copies the next received frame (one slot) out and advances; nil when the
    /// ring is empty. Call ``NetmapPort/rxSync()`` first.
    public func receive() throws -> [UInt8]? {
        guard available > 0 else { return nil }
        let index = head
        let length = Int(slot(index).length)
        let frame = try withBuffer(slot: index) { buffer in Array(buffer.prefix(length)) }
        advance()
        return frame
    }

    /// The ring's raw pointers for the per-slot loops of the traffic
    /// generator and receiver, checked once here so those loops need no
    /// per-slot check on the ring itself.
    func rawView() throws -> RawRingView {
        let bufferStart = offset + Int(base.load(fromByteOffset: Layout.bufferOffset, as: Int64.self))
        let size = bufferSize
        guard size > 0, bufferStart >= 0, bufferStart <= port.regionSize else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                              detail: "the buffers of ring \(ringID) lie outside the region")
        }
        let limit = min((port.regionSize - bufferStart) / size, Int(UInt32.max))
        return RawRingView(ring: base, slots: base + Layout.slots, buffers: port.mappedBase() + bufferStart,
                           bufferSize: size, bufferLimit: UInt32(limit), slotCount: slotCount)
    }

    func slotAddress(_ index: Int) -> UnsafeMutableRawPointer {
        precondition(index >= 0 && index < slotCount, "slot \(index) outside 0..<\(slotCount)")
        return base + Layout.slots + index * Layout.slotSize
    }
}

/// One ring as raw pointers, for loops that touch every slot (the traffic
/// generator and receiver). Valid while the port is open. Indices read from
/// shared memory are checked where they are used: `tail` once per sync, a
/// slot's buffer index only when its buffer is touched.
struct RawRingView {
    /// `struct netmap_ring`.
    let ring: UnsafeMutableRawPointer
    /// `slot[0]`.
    let slots: UnsafeMutableRawPointer
    /// Buffer 0 of the ring's pool (`ring + buf_ofs`).
    let buffers: UnsafeMutableRawPointer
    /// `nr_buf_size`.
    let bufferSize: Int
    /// First buffer index past the mapped region.
    let bufferLimit: UInt32
    /// `num_slots`.
    let slotCount: Int

    /// `head`.
    var head: Int { Int(ring.load(fromByteOffset: NetmapRing.Layout.head, as: UInt32.self)) }

    /// `tail`, or nil when the kernel's value lies outside the ring.
    var tail: Int? {
        let tail = Int(ring.load(fromByteOffset: NetmapRing.Layout.tail, as: UInt32.self))
        return tail < slotCount ? tail : nil
    }

    /// Slots in `[head, tail)`.
    func available(head: Int, tail: Int) -> Int { tail >= head ? tail - head : tail + slotCount - head }

    /// Gives `[head, index)` to the kernel: `head` and `cur` move once per sync, not per slot.
    func release(upTo index: Int) {
        ring.storeBytes(of: UInt32(index), toByteOffset: NetmapRing.Layout.head, as: UInt32.self)
        ring.storeBytes(of: UInt32(index), toByteOffset: NetmapRing.Layout.cur, as: UInt32.self)
    }

    /// Slot `index` (in range by construction of the loops).
    @inline(__always) func slot(_ index: Int) -> UnsafeMutableRawPointer { slots + index &* NetmapRing.Layout.slotSize }

    /// `buf_idx` of a slot.
    @inline(__always) static func bufferIndex(_ slot: UnsafeMutableRawPointer) -> UInt32 { slot.load(as: UInt32.self) }

    /// `len` of a slot.
    @inline(__always) static func length(_ slot: UnsafeMutableRawPointer) -> Int {
        Int(slot.load(fromByteOffset: NetmapRing.Layout.slotLength, as: UInt16.self))
    }

    /// The buffer `bufferIndex`, or nil when it is reserved (0, 1) or outside the region.
    @inline(__always) func buffer(_ bufferIndex: UInt32) -> UnsafeMutableRawPointer? {
        bufferIndex >= 2 && bufferIndex < bufferLimit ? buffers + Int(bufferIndex) &* bufferSize : nil
    }
}
