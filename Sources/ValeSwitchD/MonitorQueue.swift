import Synchronization
import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// The bounded queue between a packet thread and the connection thread that
/// streams a monitor. The packet thread only enqueues (a short lock of this
/// queue alone, and a one-byte write to a pipe when the queue was empty);
/// everything else (encoding, base64, the socket) happens on the
/// connection's thread. Past `limit` frames the oldest are dropped and
/// counted, so a slow client never slows the switch.
final class MonitorQueue: Sendable {
    enum Ending: Sendable, Equatable {
        /// `count` frames were taken.
        case countReached
        /// The port was detached or its switch deleted.
        case portGone
    }

    struct Batch {
        var frames: [MonitoredFrame]
        var dropped: Int
        /// Set once the stream is over: nothing follows `frames`.
        var ending: Ending?
    }

    private struct State {
        var frames: [MonitoredFrame] = []
        var head = 0
        var dropped = 0
        var taken = 0
        var ending: Ending?
        /// True while a wake-up byte is in the pipe and not yet consumed.
        var signalled = false
    }

    static let defaultLimit = 4096

    let limit: Int
    let count: Int?
    /// Readable when frames or the ending are waiting (poll it with the socket).
    let wakeDescriptor: Int32
    private let wakeWrite: Int32
    private let state = Mutex(State())

    init(limit: Int = MonitorQueue.defaultLimit, count: Int?) throws(StreamSetupError) {
        var fds: [Int32] = [-1, -1]
        // A socket pair rather than pipe2(2), which Glibc does not export to Swift.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else {
            throw StreamSetupError(message: "cannot make the monitor's wake-up pipe: \(String(cString: strerror(errno)))")
        }
        self.limit = limit
        self.count = count
        wakeDescriptor = fds[0]
        wakeWrite = fds[1]
        if let count, count <= 0 { state.withLock { $0.ending = .countReached; $0.signalled = true }; wake() }
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWrite)
    }

    /// Packet thread: enqueue one frame.
    func push(_ frame: MonitoredFrame) {
        let needsWake = state.withLock { s -> Bool in
            guard s.ending == nil else { return false }
            if let count, s.taken >= count { return false }
            s.taken += 1
            if s.frames.count - s.head >= limit {
                s.head += 1
                s.dropped += 1
            }
            s.frames.append(frame)
            if let count, s.taken >= count { s.ending = .countReached }
            defer { s.signalled = true }
            return !s.signalled
        }
        if needsWake { wake() }
    }

    /// Any thread: the stream ends (after the frames already queued).
    func end(_ ending: Ending) {
        let needsWake = state.withLock { s -> Bool in
            if s.ending == nil { s.ending = ending }
            defer { s.signalled = true }
            return !s.signalled
        }
        if needsWake { wake() }
    }

    /// Connection thread, after poll said `wakeDescriptor` is readable:
    /// everything queued, the drop count since the last take, and the ending.
    func take() -> Batch {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wakeDescriptor, &sink, sink.count) > 0 {}
        return state.withLock { s in
            let frames = Array(s.frames[s.head...])
            s.frames.removeAll(keepingCapacity: true)
            s.head = 0
            let dropped = s.dropped
            s.dropped = 0
            s.signalled = false
            return Batch(frames: frames, dropped: dropped, ending: s.ending)
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }
}

struct StreamSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
