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
    /// Frames queued before each `NIOCTXSYNC` (pkt-gen's burst, default 512).
    public var burst: Int
    /// How long one `poll` may wait for room, in milliseconds.
    public var pollTimeout: Int32

    /// A generator on `port`.
    public init(port: NetmapPort, burst: Int = 512, pollTimeout: Int32 = 1000) {
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
    /// until `shouldStop` says so, checked between bursts. With
    /// `stampSequence` each copy carries its sequence number where
    /// ``UDPTestFrame`` keeps it. With `giveUpWhenStuck` a `poll` that times
    /// out without room ends the run; otherwise it waits again.
    public func send(template: [UInt8], count: Int?, stampSequence: Bool = false, giveUpWhenStuck: Bool = false,
                     shouldStop: () -> Bool = { false }) throws -> Report {
        let rings = (0..<(port.txRingCount + port.hostTXRingCount)).compactMap { port.txRing($0) }
        guard !rings.isEmpty else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil, detail: "no TX ring is bound")
        }
        var report = Report(frames: 0, bytes: 0, syncs: 0, waits: 0)
        var frame = template
        func wanted() -> Bool { count.map { report.frames < $0 } ?? true }
        while wanted(), !shouldStop() {
            var queued = 0
            for ring in rings where wanted() {
                while queued < burst, wanted(), ring.available > 0 {
                    if stampSequence { UDPTestFrame.stamp(&frame, sequence: UInt32(truncatingIfNeeded: report.frames)) }
                    // Copied every time: on a pipe the kernel swaps buffers
                    // between the ends, so a slot's buffer does not keep its bytes.
                    _ = try ring.transmit(frame)
                    report.frames += 1
                    report.bytes += frame.count
                    queued += 1
                }
            }
            try port.txSync()
            report.syncs += 1
            if queued == 0 {
                report.waits += 1
                if try port.poll(events: Int16(POLLOUT), timeout: pollTimeout) & Int16(POLLOUT) == 0, giveUpWhenStuck { break }
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
    public func receive(count: Int, inspect: (UnsafeRawBufferPointer) -> Void = { _ in }) throws -> Report {
        try receive(count: Optional(count), giveUpOnTimeout: true, inspect: inspect)
    }

    /// Receives until `count` frames (nil: no limit) or `shouldStop`, checked
    /// after every `poll`. With `giveUpOnTimeout` a `poll` that times out ends
    /// the run; otherwise it counts the timeout and waits again. POLLERR (the
    /// port left netmap mode) is an error.
    public func receive(count: Int?, giveUpOnTimeout: Bool, shouldStop: () -> Bool = { false },
                        inspect: (UnsafeRawBufferPointer) -> Void = { _ in }) throws -> Report {
        let rings = (0..<(port.rxRingCount + port.hostRXRingCount)).compactMap { port.rxRing($0) }
        guard !rings.isEmpty else {
            throw NetmapError(kind: .mapping, request: nil, portName: port.name, errno: nil, detail: "no RX ring is bound")
        }
        var report = Report(frames: 0, bytes: 0, outOfOrder: 0, timeouts: 0)
        var expected: UInt32 = 0
        func wanted() -> Bool { count.map { report.frames < $0 } ?? true }
        while wanted(), !shouldStop() {
            let revents = try port.poll(events: Int16(POLLIN), timeout: pollTimeout)
            if revents & Int16(POLLERR) != 0 {
                throw NetmapError(kind: .sync, request: nil, portName: port.name, errno: nil, detail: "poll reported POLLERR (the port left netmap mode?)")
            }
            try port.rxSync()
            report.syncs += 1
            var got = 0
            for ring in rings {
                while wanted(), ring.available > 0 {
                    let index = ring.head
                    let length = Int(ring.slot(index).length)
                    try ring.withBuffer(slot: index) { buffer in
                        let frame = UnsafeRawBufferPointer(rebasing: buffer.prefix(length))
                        if let sequence = UDPTestFrame.sequence(of: frame) {
                            if sequence != expected { report.outOfOrder += 1 }
                            expected = sequence &+ 1
                        }
                        inspect(frame)
                    }
                    ring.advance()
                    report.frames += 1
                    report.bytes += length
                    got += 1
                }
            }
            if got == 0 && revents & Int16(POLLIN) == 0 {
                report.timeouts += 1
                if giveUpOnTimeout { break }
            }
        }
        return report
    }
}
