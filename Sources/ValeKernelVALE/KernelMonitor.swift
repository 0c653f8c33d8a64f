import Foundation
import NetmapKit
import Synchronization
import ValeDatapath

/// `valectl monitor` on the kernel datapath: opens netmap's monitor port of
/// `SWITCH:PORT` (REGISTER with `NR_MONITOR_RX`/`NR_MONITOR_TX`, plus
/// `NR_ZCOPY_MON` for `--zero-copy`; NETMAP-API.md 4.5), reads its RX rings
/// on a dedicated thread that sleeps in poll(2), and streams the frames in
/// batches. The monitor port is closed when COUNT frames were sent, the
/// client goes away (the stream terminates), or the monitored port leaves
/// its switch.
public struct KernelMonitor: MonitorProviding {
    let systemCalls: any NetmapSystemCalls
    let devicePath: String
    /// How long one poll(2) waits before the thread checks whether the
    /// client went away; not a busy loop, only the latency of noticing.
    let pollTimeoutMilliseconds: Int32
    /// Where the reader asks VALE_LIST whether the monitored port still
    /// exists (the data seam in production; the kernel model in tests).
    let controlSystemCalls: any NetmapSystemCalls
    /// How often the reader asks: the kernel sends a monitor no POLLERR when
    /// its port goes away (issue 15 item 2), so the list is the only signal.
    let presenceCheckMilliseconds: Int
    /// Batches waiting for the client; past this many the oldest are dropped
    /// (and counted in the next reply) instead of blocking the reader.
    let queueLimit: Int

    public init(systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls(), devicePath: String = Netmap.devicePath,
                pollTimeoutMilliseconds: Int32 = 250, controlSystemCalls: (any NetmapSystemCalls)? = nil,
                presenceCheckMilliseconds: Int = 1000, queueLimit: Int = KernelMonitor.queueLimit) {
        self.systemCalls = systemCalls
        self.devicePath = devicePath
        self.pollTimeoutMilliseconds = pollTimeoutMilliseconds
        self.controlSystemCalls = controlSystemCalls ?? systemCalls
        self.presenceCheckMilliseconds = presenceCheckMilliseconds
        self.queueLimit = queueLimit
    }

    /// A batch is sent when it is this old, so a client gets a few replies a
    /// second whatever the frame rate. Issue 15 item 1: one reply per poll
    /// wake-up meant a reply per frame or two at 1000 frames/s, and the
    /// client's per-message cost made the queue overflow.
    static let batchInterval = Duration.milliseconds(50)
    /// 512 batches of at most 50 ms: over 25 s of frames at any rate below
    /// the size bounds, before anything is dropped.
    public static let queueLimit = 512
    /// Captured bytes per batch, well under the 1 MiB Varlink limit after
    /// base64 (which adds a third).
    static let batchBytes = 256 * 1024
    /// Frames per batch (each costs some JSON even when tiny).
    static let batchFrames = 4096

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
            throw DatapathError(.invalidArgument(parameter: "count"), "cannot monitor \(target): the frame count must be positive, not \(count)")
        }
        let port: NetmapPort
        do {
            port = try NetmapPort(target, request: RegisterRequest(mode: .allNIC, flags: Self.flags(p)),
                                  devicePath: devicePath, systemCalls: systemCalls)
        } catch {
            throw Self.openError(error, target: target)
        }
        let (stream, continuation) = AsyncThrowingStream<MonitorReply, any Error>.makeStream(bufferingPolicy: .bufferingNewest(queueLimit))
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let watch = (try? NetmapControl(devicePath: devicePath, systemCalls: controlSystemCalls))
            .map { PortWatch(control: $0, switchName: p.switchName, port: p.port) }
        // The kernel adds both direction flags to a zero-copy monitor (2.2.3),
        // so its frames are told apart by NS_TXMON whatever was asked.
        let reader = MonitorReader(port: PortTransfer(port), target: target, direction: p.zeroCopy ? .both : p.direction, limit: p.count,
                                   pollTimeout: pollTimeoutMilliseconds, watch: watch,
                                   presenceInterval: .milliseconds(presenceCheckMilliseconds), queueLimit: queueLimit,
                                   stop: stop, continuation: continuation)
        let thread = Thread { reader.run() }
        thread.name = "valed-monitor \(target)"
        thread.start()
        return stream
    }

    /// The sentence for a failed open of the monitor port.
    static func openError(_ error: NetmapError, target: String) -> DatapathError {
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

/// Asks VALE_LIST whether the monitored port is still on its switch.
struct PortWatch: Sendable {
    let control: NetmapControl
    let switchName: String
    let port: String

    /// Why the port is gone, or nil while it is there (or the answer is unclear).
    func gone() -> String? {
        let target = "\(switchName):\(port)"
        let why = "\(target) is no longer on \(switchName): the program holding it exited or it was detached (netmap does not tell a monitor)"
        do {
            if try control.lookup(target).portIndex != nil { return nil }
            // A persistent port renamed by the kernel (NETMAP-API.md 7.11) is
            // listed without its switch prefix but is still there.
            if try control.list().contains(where: { $0.name == port }) { return nil }
            return why
        } catch where error.errno == .noSuchFileOrDirectory && error.kind == .requestFailed {
            return why
        } catch {
            return nil
        }
    }
}

/// The reader thread's work: poll, rxsync, copy frames out of every RX ring
/// of the monitor, yield them in batches of at most `batchInterval`, close
/// the port at the end.
struct MonitorReader: Sendable {
    let port: PortTransfer
    let target: String
    let direction: MonitorDirection
    let limit: Int?
    let pollTimeout: Int32
    let watch: PortWatch?
    let presenceInterval: Duration
    let queueLimit: Int
    let stop: StopFlag
    let continuation: AsyncThrowingStream<MonitorReply, any Error>.Continuation

    func run() {
        let port = port.port
        defer {
            port.close()
            try? watch?.control.close()
        }
        let clock = ContinuousClock()
        var sent = 0
        var dropped = 0
        var batch: [Frame] = []
        var bytes = 0
        var batchStarted: ContinuousClock.Instant?
        var nextCheck = clock.now.advanced(by: presenceInterval)
        func flush() {
            dropped = self.flush(&batch, dropped: dropped, sent: &sent)
            bytes = 0
            batchStarted = nil
        }
        do {
            while !stop.isSet {
                var timeout = pollTimeout
                if let batchStarted {
                    let left = batchStarted.advanced(by: KernelMonitor.batchInterval) - clock.now
                    timeout = min(timeout, Int32(max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
                }
                let revents = try port.poll(events: Int16(POLLIN), timeout: timeout)
                if revents & Int16(POLLERR) != 0 {
                    flush()
                    reportLoss(dropped)
                    continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: the port left netmap mode or its device went away"))
                    return
                }
                var finished = false
                if revents & Int16(POLLIN) != 0 {
                    try port.rxSync()
                    rings: for index in 0..<(port.rxRingCount + port.hostRXRingCount) {
                        guard let ring = port.rxRing(index) else { continue }
                        while ring.available > 0 {
                            let slot = ring.slot(ring.head)
                            let length = Int(slot.length)
                            let data = try ring.withBuffer(slot: ring.head) { Data($0.prefix(length)) }
                            ring.advance()
                            if batchStarted == nil { batchStarted = clock.now }
                            batch.append(Frame(seconds: 0, nanoseconds: 0, direction: frameDirection(slot.flags), length: length, data: data))
                            bytes += length
                            if let limit, sent + batch.count >= limit { finished = true; break rings }
                            if bytes >= KernelMonitor.batchBytes || batch.count >= KernelMonitor.batchFrames { flush() }
                        }
                    }
                }
                if finished {
                    flush()
                    reportLoss(dropped)
                    continuation.finish()
                    return
                }
                let now = clock.now
                if let started = batchStarted, now >= started.advanced(by: KernelMonitor.batchInterval) { flush() }
                if let watch, now >= nextCheck {
                    nextCheck = now.advanced(by: presenceInterval)
                    if let why = watch.gone() {
                        flush()
                        reportLoss(dropped)
                        continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: \(why)"))
                        return
                    }
                }
            }
        } catch {
            flush()
            reportLoss(dropped)
            continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: \(error)"))
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
        batch = []
        batch.reserveCapacity(min(count * 2, KernelMonitor.batchFrames))
        return lost
    }

    /// Before the stream ends: tells the client of losses no reply carried
    /// yet, so captured + reported lost = frames the monitor saw. A report
    /// that pushes out an older reply carries that reply's count on, until
    /// one finds room (the client took a reply) or the client is gone.
    func reportLoss(_ dropped: Int) {
        var pending = dropped
        while pending > 0 && !stop.isSet {
            guard case .dropped(let old) = continuation.yield(MonitorReply(frames: [], dropped: pending)) else { return }
            pending = old.frames.count + old.dropped
            usleep(5_000)
        }
    }
}
