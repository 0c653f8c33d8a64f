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
/// (every bound ring): NetmapKit's generator and receiver, run until a count
/// or until told to stop, like pkt-gen.
struct PacketPump {
    let port: NetmapPort
    /// Slots filled per sync at most; nil fills every free slot, as pkt-gen does.
    var batch: Int? = nil
    /// poll(2) timeout; also how often `shouldStop` is consulted.
    var pollTimeoutMilliseconds: Int32 = 100

    /// Sends `count` copies of `frame` (forever when nil) until `shouldStop`.
    func transmit(_ frame: [UInt8], count: Int?, shouldStop: () -> Bool = { false }) throws -> PumpStatistics {
        let generator = NetmapTrafficGenerator(port: port, burst: batch ?? .max, pollTimeout: pollTimeoutMilliseconds)
        let report = try pumping { try generator.send(template: frame, count: count, shouldStop: shouldStop) }
        return PumpStatistics(packets: report.frames, bytes: report.bytes, syncs: report.syncs, waits: report.waits)
    }

    /// Receives until `count` frames arrived (forever when nil) or `shouldStop`.
    /// `inspect` sees each frame's bytes (tests; nil in the fast path, which
    /// reads only each slot's `len`, like pkt-gen -f rx).
    func receive(count: Int?, shouldStop: () -> Bool = { false }, inspect: (([UInt8]) -> Void)? = nil) throws -> PumpStatistics {
        let receiver = NetmapTrafficReceiver(port: port, pollTimeout: pollTimeoutMilliseconds)
        let copying: ((UnsafeRawBufferPointer) -> Void)? = inspect.map { inspect in { frame in inspect(Array(frame)) } }
        let report = try pumping {
            try receiver.receive(count: count, giveUpOnTimeout: false, checkSequence: false, shouldStop: shouldStop, inspect: copying)
        }
        return PumpStatistics(packets: report.frames, bytes: report.bytes, syncs: report.syncs, waits: report.timeouts)
    }

    /// NetmapKit's errors as the pump's sentences.
    private func pumping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as NetmapError {
            throw PumpError("\(port.name): \(error.description)")
        }
    }
}

/// A failure of the pump, as a sentence.
struct PumpError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
