import Foundation
import NetmapKit
import Synchronization
import ValeProtocol

/// `valectl monitor` on the kernel datapath: opens netmap's monitor port of
/// `SWITCH:PORT` (REGISTER with `NR_MONITOR_RX`/`NR_MONITOR_TX`, plus
/// `NR_ZCOPY_MON` for `--zero-copy`; NETMAP-API.md 4.5), reads its RX rings
/// on a dedicated thread that sleeps in poll(2), and streams the frames in
/// batches. The monitor port is closed when COUNT frames were sent or the
/// client goes away (the stream terminates).
public struct KernelMonitor: MonitorProviding {
    let systemCalls: any NetmapSystemCalls
    let devicePath: String
    /// How long one poll(2) waits before the thread checks whether the
    /// client went away; not a busy loop, only the latency of noticing.
    let pollTimeoutMilliseconds: Int32

    let controlSystemCalls: any NetmapSystemCalls
    let presenceCheckMilliseconds: Int
    let queueLimit: Int

    public init(systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls(), devicePath: String = Netmap.devicePath,
                pollTimeoutMilliseconds: Int32 = 250, controlSystemCalls: (any NetmapSystemCalls)? = nil,
                presenceCheckMilliseconds: Int = 1000, queueLimit: Int = 256) {
        self.systemCalls = systemCalls
        self.devicePath = devicePath
        self.pollTimeoutMilliseconds = pollTimeoutMilliseconds
        self.controlSystemCalls = controlSystemCalls ?? systemCalls
        self.presenceCheckMilliseconds = presenceCheckMilliseconds
        self.queueLimit = queueLimit
    }

    /// Frames wait here between the reader thread and the client; past this
    /// many batches the newest are dropped (and counted) instead of blocking
    /// the reader.
    static let queueLimit = 256
    /// Captured bytes per batch, well under the 1 MiB Varlink limit after
    /// base64 (which adds a third).
    static let batchBytes = 256 * 1024

    /// The register flags for a monitor request.
    static func flags(_ p: MonitorParameters) -> RegisterFlags {
        var flags: RegisterFlags = switch p.direction {
        case .rx: .monitorRX
        case .tx: .monitorTX
        case .both: [.monitorRX, .monitorTX]
        }
        if p.zeroCopy { flags.insert(.zeroCopyMonitor) }
        return flags
    }

    public func monitor(_ p: MonitorParameters) throws -> AsyncThrowingStream<MonitorReply, any Error> {
        let target = "\(p.switchName):\(p.port)"
        if let count = p.count, count <= 0 {
            throw VarlinkError.invalidArgument("count", message: "cannot monitor \(target): the frame count must be positive, not \(count)")
        }
        let port: NetmapPort
        do {
            port = try NetmapPort(target, request: RegisterRequest(mode: .allNIC, flags: Self.flags(p)),
                                  devicePath: devicePath, systemCalls: systemCalls)
        } catch {
            throw Self.openError(error, target: target)
        }
        let (stream, continuation) = AsyncThrowingStream<MonitorReply, any Error>.makeStream(bufferingPolicy: .bufferingNewest(Self.queueLimit))
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        // The kernel adds both direction flags to a zero-copy monitor (2.2.3),
        // so its frames are told apart by NS_TXMON whatever was asked.
        let reader = MonitorReader(port: PortTransfer(port), target: target, direction: p.zeroCopy ? .both : p.direction, limit: p.count,
                                   pollTimeout: pollTimeoutMilliseconds, stop: stop, continuation: continuation)
        let thread = Thread { reader.run() }
        thread.name = "valed-monitor \(target)"
        thread.start()
        return stream
    }

    /// The sentence for a failed open of the monitor port.
    static func openError(_ error: NetmapError, target: String) -> VarlinkError {
        if error.kind == .requestFailed, let errno = error.errno {
            switch errno {
            case .invalidArgument:
                return .failed("cannot monitor \(target): \(target) is not in netmap mode — no application has it open and it is not attached to a switch — or the port does not exist (EINVAL)")
            case .permissionDenied, Errno(rawValue: EPERM):
                return .failed("cannot monitor \(target): permission denied on \(Netmap.devicePath) (\(errno.name))")
            default:
                break
            }
        }
        return .failed("cannot monitor \(target): \(error)")
    }
}

/// Set once when the client goes away; read by the reader thread.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}

/// Moves a ``NetmapPort`` (not Sendable: one thread per port) from the
/// thread that opened it to the reader thread. The opener never touches the
/// port again after handing it over, so only one thread ever uses it.
struct PortTransfer: @unchecked Sendable {
    let port: NetmapPort
    init(_ port: NetmapPort) { self.port = port }
}

/// The reader thread's work: poll, rxsync, copy frames out of every RX ring
/// of the monitor, yield them in batches, close the port at the end.
struct MonitorReader: Sendable {
    let port: PortTransfer
    let target: String
    let direction: MonitorDirection
    let limit: Int?
    let pollTimeout: Int32
    let stop: StopFlag
    let continuation: AsyncThrowingStream<MonitorReply, any Error>.Continuation

    func run() {
        let port = port.port
        defer { port.close() }
        var sent = 0
        var dropped = 0
        do {
            while !stop.isSet {
                let revents = try port.poll(events: Int16(POLLIN), timeout: pollTimeout)
                if revents & Int16(POLLERR) != 0 {
                    continuation.finish(throwing: VarlinkError.failed("monitor of \(target) ended: the port left netmap mode or its device went away"))
                    return
                }
                guard revents & Int16(POLLIN) != 0 else { continue }
                try port.rxSync()
                var batch: [Frame] = []
                var bytes = 0
                var finished = false
                for index in 0..<(port.rxRingCount + port.hostRXRingCount) {
                    guard let ring = port.rxRing(index) else { continue }
                    while ring.available > 0 {
                        let slot = ring.slot(ring.head)
                        let length = Int(slot.length)
                        let data = try ring.withBuffer(slot: ring.head) { Data($0.prefix(length)) }
                        ring.advance()
                        batch.append(Frame(seconds: 0, nanoseconds: 0,
                                           direction: frameDirection(slot.flags), length: length, data: data))
                        bytes += length
                        if let limit, sent + batch.count >= limit { finished = true; break }
                        if bytes >= KernelMonitor.batchBytes { dropped = flush(&batch, dropped: dropped, sent: &sent); bytes = 0 }
                    }
                    if finished { break }
                }
                dropped = flush(&batch, dropped: dropped, sent: &sent)
                if finished {
                    continuation.finish()
                    return
                }
            }
        } catch {
            continuation.finish(throwing: VarlinkError.failed("monitor of \(target) ended: \(error)"))
            return
        }
        continuation.finish()
    }

    /// A copy monitor marks frames taken from TX rings with `NS_TXMON`; with
    /// only one direction requested every frame has that direction.
    func frameDirection(_ flags: SlotFlags) -> FrameDirection {
        switch direction {
        case .rx: .rx
        case .tx: .tx
        case .both: flags.contains(.txMonitor) ? .tx : .rx
        }
    }

    /// Stamps and yields `batch`; returns the new count of dropped frames.
    func flush(_ batch: inout [Frame], dropped: Int, sent: inout Int) -> Int {
        guard !batch.isEmpty else { return dropped }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        for i in batch.indices {
            batch[i].seconds = Int64(now.tv_sec)
            batch[i].nanoseconds = Int32(now.tv_nsec)
        }
        let count = batch.count
        // The reply reports what was lost before it; a batch pushed out of
        // the queue by this one counts (with what it reported) for the next.
        var lost = 0
        if case .dropped(let old) = continuation.yield(MonitorReply(frames: batch, dropped: dropped)) {
            lost = old.frames.count + old.dropped
        }
        sent += count
        batch.removeAll(keepingCapacity: true)
        return lost
    }
}
