#if canImport(Glibc)
import Glibc
#endif

/// A `pkt-gen -f tx` for one open port: fills the port's TX rings with test
/// frames and syncs, waiting with `poll(POLLOUT)` when the rings are full.
public struct NetmapTrafficGenerator {
    /// What a run did.
    public struct Report: Sendable, Hashable {
        /// Frames queued and synced.
        public var frames: Int
        /// Bytes of those frames.
        public var bytes: Int
        /// `NIOCTXSYNC` calls made.
        public var syncs: Int
        /// `poll` calls that found no room.
        public var waits: Int
    }

    /// The port to send on.
    public let port: NetmapPort
    /// Frames queued before each `NIOCTXSYNC`, over all rings; the default
    /// (`Int.max`) fills every free slot of every bound ring, as pkt-gen fills a ring per sync.
    public var burst: Int
    /// How long one `poll` may wait for room, in milliseconds.
    public var pollTimeout: Int32

    /// A generator on `port`.
    public init(port: NetmapPort, burst: Int = .max, pollTimeout: Int32 = 1000) {
        self.port = port
        self.burst = max(1, burst)
        self.pollTimeout = pollTimeout
    }

    /// Sends `count` frames made by `frame` (sequence numbers 0..<count) over
    /// all bound TX rings. Stops early, returning what was sent, when a `poll`
    /// times out without room.
    public func send(count: Int, frame: UDPTestFrame = UDPTestFrame()) throws -> Report {
        try send(template: frame.bytes(), count: count, stampSequence: true, giveUpWhenStuck: true)
    }

    /// Sends copies of `template` until `count` frames (nil: no limit) or
    /// until `shouldStop` says so, checked between syncs. With
    /// `stampSequence` each copy carries its sequence number where
    /// ``UDPTestFrame`` keeps it. With `giveUpWhenStuck` a `poll` that times
    /// out without room ends the run; otherwise it waits again.
    ///
    /// Like pkt-gen, each round fills every free slot between `head` and
    /// `tail` (up to ``burst``), moves `head` and `cur` once per ring and
    /// makes one `NIOCTXSYNC`; `poll(POLLOUT)` only when no slot was free.
    /// The frame is written into a slot's buffer once: later rounds only set
    /// `len`. A slot whose buffer index changed (a pipe swaps buffers between
    /// its ends) gets the frame again, so the copy happens only where the
    /// buffer does not hold it.
    public func send(template: [UInt8], count: Int?, stampSequence: Bool = false, giveUpWhenStuck: Bool = false,
                     shouldStop: () -> Bool = { false }) throws -> Report {
        let rings = (0..<(port.txRingCount + port.hostTXRingCount)).compactMap { port.txRing($0) }
        guard !rings.isEmpty else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil, detail: "no TX ring is bound")
        }
        let views = try rings.map { try $0.rawView() }
        let length = template.count
        for view in views where length > view.bufferSize || length > Int(UInt16.max) {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                              detail: "a frame of \(length) bytes does not fit a \(view.bufferSize)-byte buffer")
        }
        // Per slot of every ring, the buffer index that already holds the
        // frame; 0 is a reserved buffer, never handed out, so it means "none".
        var firstMark: [Int] = []
        var total = 0
        for view in views { firstMark.append(total); total += view.slotCount }
        let prepared = UnsafeMutablePointer<UInt32>.allocate(capacity: total)
        prepared.initialize(repeating: 0, count: total)
        defer { prepared.deallocate() }
        let stamps = stampSequence && length >= 46
        // len (16 bits) and flags (16 bits) are adjacent: one store sets len and clears the flags.
        precondition(NetmapRing.Layout.slotFlags == NetmapRing.Layout.slotLength + 2)
        let lengthOffset = NetmapRing.Layout.slotLength
        let lengthAndFlags = UInt32(length)

        var report = Report(frames: 0, bytes: 0, syncs: 0, waits: 0)
        var remaining = count ?? .max
        try template.withUnsafeBytes { frame in
            while remaining > 0, !shouldStop() {
                var queued = 0
                for (ringIndex, view) in views.enumerated() {
                    guard let tail = view.tail else {
                        throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                                          detail: "tail of TX ring \(ringIndex) lies outside the ring")
                    }
                    let head = view.head
                    guard head < view.slotCount else {
                        throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                                          detail: "head of TX ring \(ringIndex) lies outside the ring")
                    }
                    let room = min(view.available(head: head, tail: tail), burst - queued, remaining)
                    guard room > 0 else { continue }
                    let marks = prepared + firstMark[ringIndex]
                    var index = head
                    var sequence = UInt32(truncatingIfNeeded: report.frames &+ queued)
                    for _ in 0..<room {
                        let slot = view.slot(index)
                        let bufferIndex = RawRingView.bufferIndex(slot)
                        if marks[index] != bufferIndex || stamps {
                            guard let buffer = view.buffer(bufferIndex) else {
                                throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                                                  detail: "buffer \(bufferIndex) of TX ring \(ringIndex) lies outside the region")
                            }
                            if marks[index] != bufferIndex {
                                buffer.copyMemory(from: frame.baseAddress!, byteCount: length)
                                marks[index] = bufferIndex
                            }
                            if stamps { buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 42, as: UInt32.self) }
                        }
                        slot.storeBytes(of: lengthAndFlags, toByteOffset: lengthOffset, as: UInt32.self)
                        sequence &+= 1
                        index = index &+ 1 == view.slotCount ? 0 : index &+ 1
                    }
                    view.release(upTo: index)
                    queued += room
                    remaining -= room
                }
                report.frames += queued
                report.bytes += queued * length
                if queued > 0 {
                    try port.txSync()
                    report.syncs += 1
                } else {
                    // Every ring is full: poll(POLLOUT) syncs and sleeps until the kernel frees slots.
                    report.waits += 1
                    if try port.poll(events: Int16(POLLOUT), timeout: pollTimeout) & Int16(POLLOUT) == 0, giveUpWhenStuck { break }
                }
            }
        }
        return report
    }
}

/// A `pkt-gen -f rx` for one open port: drains the bound RX rings, counting
/// frames and bytes and checking the generator's sequence numbers.
public struct NetmapTrafficReceiver {
    /// What a run saw.
    public struct Report: Sendable, Hashable {
        /// Frames received.
        public var frames: Int
        /// Bytes received.
        public var bytes: Int
        /// Frames whose sequence number was not the next expected one.
        public var outOfOrder: Int
        /// `poll` calls that timed out.
        public var timeouts: Int
        /// `NIOCRXSYNC` calls made.
        public var syncs: Int = 0
    }

    /// The port to receive on.
    public let port: NetmapPort
    /// How long one `poll` waits for frames, in milliseconds.
    public var pollTimeout: Int32

    /// A receiver on `port`.
    public init(port: NetmapPort, pollTimeout: Int32 = 1000) {
        self.port = port
        self.pollTimeout = pollTimeout
    }

    /// Receives until `count` frames arrived or a `poll` times out; `inspect`
    /// sees each frame (as a buffer lent for the call).
    public func receive(count: Int, inspect: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> Report {
        try receive(count: Optional(count), giveUpOnTimeout: true, inspect: inspect)
    }

    /// Receives until `count` frames (nil: no limit) or `shouldStop`, checked
    /// after every `poll`. With `giveUpOnTimeout` a `poll` that times out ends
    /// the run; otherwise it counts the timeout and waits again. POLLERR (the
    /// port left netmap mode) is an error. With `checkSequence` the
    /// generator's sequence numbers are compared (``Report/outOfOrder``).
    ///
    /// Like pkt-gen, one `poll(POLLIN)` per round syncs the RX rings (no
    /// separate `NIOCRXSYNC`); then every slot from `head` to `tail` is
    /// consumed and `head` and `cur` move once per ring. Without `inspect`
    /// and `checkSequence` only the slots' `len` is read, never the payload.
    public func receive(count: Int?, giveUpOnTimeout: Bool, checkSequence: Bool = true, shouldStop: () -> Bool = { false },
                        inspect: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> Report {
        let rings = (0..<(port.rxRingCount + port.hostRXRingCount)).compactMap { port.rxRing($0) }
        guard !rings.isEmpty else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil, detail: "no RX ring is bound")
        }
        let views = try rings.map { try $0.rawView() }
        let readsPayload = checkSequence || inspect != nil
        var report = Report(frames: 0, bytes: 0, outOfOrder: 0, timeouts: 0)
        var expected: UInt32 = 0
        var remaining = count ?? .max
        while remaining > 0, !shouldStop() {
            let revents = try port.poll(events: Int16(POLLIN), timeout: pollTimeout)
            if revents & Int16(POLLERR) != 0 {
                throw NetmapError(kind: .sync, request: nil, portName: port.name, errno: nil, detail: "poll reported POLLERR (the port left netmap mode?)")
            }
            report.syncs += 1
            var got = 0
            var bytes = 0
            for (ringIndex, view) in views.enumerated() where remaining > 0 {
                let head = view.head
                guard let tail = view.tail, head < view.slotCount else {
                    throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                                      detail: "head or tail of RX ring \(ringIndex) lies outside the ring")
                }
                let taken = min(view.available(head: head, tail: tail), remaining)
                guard taken > 0 else { continue }
                var index = head
                for _ in 0..<taken {
                    let slot = view.slot(index)
                    let length = RawRingView.length(slot)
                    bytes &+= length
                    if readsPayload {
                        let bufferIndex = RawRingView.bufferIndex(slot)
                        guard let buffer = view.buffer(bufferIndex), length <= view.bufferSize else {
                            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil,
                                              detail: "buffer \(bufferIndex) of RX ring \(ringIndex) lies outside the region")
                        }
                        let frame = UnsafeRawBufferPointer(start: buffer, count: length)
                        if checkSequence, length >= 46 {
                            let sequence = UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: 42, as: UInt32.self))
                            if sequence != expected { report.outOfOrder += 1 }
                            expected = sequence &+ 1
                        }
                        inspect?(frame)
                    }
                    index = index &+ 1 == view.slotCount ? 0 : index &+ 1
                }
                view.release(upTo: index)
                got += taken
                remaining -= taken
            }
            report.frames += got
            report.bytes += bytes
            if got == 0 && revents & Int16(POLLIN) == 0 {
                report.timeouts += 1
                if giveUpOnTimeout { break }
            }
        }
        return report
    }
}
