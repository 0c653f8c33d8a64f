import Foundation
import NetmapKit

/// Counts of one run.
struct PumpStatistics: Sendable, Equatable {
    var packets = 0
    var bytes = 0
    /// txsync/rxsync calls: how well the run batched.
    var syncs = 0
    /// poll(2) calls that had to wait for room or frames.
    var waits = 0
}

/// The transmit and receive loops of `vale-pktgen` over one ``NetmapPort``
/// (every bound ring). Like pkt-gen: fill TX slots up to a batch, txsync,
/// poll for room when full; on RX poll, rxsync, release every slot.
struct PacketPump {
    let port: NetmapPort
    /// Slots filled (or released) per sync at most.
    var batch: Int = 512
    /// poll(2) timeout; also how often `shouldStop` is consulted.
    var pollTimeoutMilliseconds: Int32 = 100

    /// Sends `count` copies of `frame` (forever when nil) until `shouldStop`.
    func transmit(_ frame: [UInt8], count: Int?, shouldStop: () -> Bool = { false }) throws -> PumpStatistics {
        var stats = PumpStatistics()
        let rings = (0..<(port.txRingCount + port.hostTXRingCount)).compactMap { port.txRing($0) }
        guard !rings.isEmpty else { throw PumpError("\(port.name) has no bound TX ring") }
        let length = UInt16(frame.count)
        while count.map({ stats.packets < $0 }) ?? true {
            if shouldStop() { break }
            var queued = 0
            for ring in rings {
                var room = min(ring.available, batch - queued)
                if let count { room = min(room, count - stats.packets - queued) }
                guard room > 0 else { continue }
                var index = ring.head
                for _ in 0..<room {
                    // Copied every time: on a pipe the kernel swaps buffers
                    // between the ends, so a slot's buffer does not keep its bytes.
                    try ring.withBuffer(slot: index) { buffer in _ = buffer.initializeMemory(as: UInt8.self, from: frame) }
                    ring.setSlot(index, length: length)
                    index = ring.next(index)
                }
                ring.advance(by: room)
                queued += room
            }
            if queued > 0 {
                try port.txSync()
                stats.syncs += 1
                stats.packets += queued
                stats.bytes += queued * frame.count
            } else {
                stats.waits += 1
                _ = try port.poll(events: Int16(POLLOUT), timeout: pollTimeoutMilliseconds)
            }
        }
        // Let the last frames leave before the port closes.
        try port.txSync()
        return stats
    }

    /// Receives until `count` frames arrived (forever when nil) or `shouldStop`.
    /// `inspect` sees each frame's bytes (tests; nil in the fast path).
    func receive(count: Int?, shouldStop: () -> Bool = { false }, inspect: (([UInt8]) -> Void)? = nil) throws -> PumpStatistics {
        var stats = PumpStatistics()
        let rings = (0..<(port.rxRingCount + port.hostRXRingCount)).compactMap { port.rxRing($0) }
        guard !rings.isEmpty else { throw PumpError("\(port.name) has no bound RX ring") }
        while count.map({ stats.packets < $0 }) ?? true {
            if shouldStop() { break }
            let revents = try port.poll(events: Int16(POLLIN), timeout: pollTimeoutMilliseconds)
            if revents & Int16(POLLERR) != 0 { throw PumpError("\(port.name) reported POLLERR (the port left netmap mode?)") }
            try port.rxSync()
            stats.syncs += 1
            var got = 0
            for ring in rings {
                var n = ring.available
                if let count { n = min(n, count - stats.packets - got) }
                guard n > 0 else { continue }
                var index = ring.head
                for _ in 0..<n {
                    let length = Int(ring.slot(index).length)
                    stats.bytes += length
                    if let inspect { inspect(try ring.withBuffer(slot: index) { Array($0.prefix(length)) }) }
                    index = ring.next(index)
                }
                ring.advance(by: n)
                got += n
            }
            if got == 0 { stats.waits += 1 }
            stats.packets += got
        }
        return stats
    }
}

/// A failure of the pump, as a sentence.
struct PumpError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
