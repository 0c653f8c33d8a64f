import Foundation
import CLinuxUAPI
import SystemCallSeam
#if canImport(Glibc)
import Glibc
#endif

/// Watches every link of a network namespace: a netlink socket subscribed to
/// RTNLGRP_LINK (`nl_socket_add_membership`), read on its own thread with a
/// blocking `poll` (no busy polling), decoded into `LinkEvent`s.
///
/// Events are in kernel order and keyed by ifindex, so deleting an
/// interface and creating another with the same name yields `.removed` then
/// `.added` with the new ifindex. If the kernel drops notifications
/// (ENOBUFS after a burst), the monitor re-reads all links and reports the
/// differences, so nothing is silently missed.
public final class LinkMonitor: Sendable {
    private let core: MonitorCore

    /// Opens and subscribes the socket and reads the current links, in the
    /// calling thread's network namespace. Nothing is delivered until `start`.
    public convenience init() throws(LinkError) {
        try self.init(receiveBuffer: 1 << 20)
    }

    /// `receiveBuffer`: SO_RCVBUF of the event socket; tests shrink it to
    /// make the kernel drop notifications.
    init(receiveBuffer: Int32) throws(LinkError) {
        do {
            core = try MonitorCore(receiveBuffer: receiveBuffer)
        } catch {
            throw LinkError(.unavailable, interface: nil, errno: error.errno,
                            message: "cannot watch links: \(error.description)")
        }
    }

    deinit { core.stop() }

    /// The links known now (kept current by the monitor thread once started).
    public var links: [LinkInfo] { core.snapshot() }

    /// How often the kernel dropped notifications and the monitor re-read all links.
    public var resynchronizations: Int { core.resynchronizationCount }

    /// Starts the monitor thread; `handler` is called on it for every event,
    /// in order. Calling `start` again has no effect.
    public func start(_ handler: @escaping @Sendable (LinkEvent) -> Void) {
        core.start(handler)
    }

    /// Starts the monitor and returns its events as a stream. Ending the
    /// stream's consumer (cancelling the task) stops the monitor. Use either
    /// this or `start`, once: a second consumer gets a finished stream.
    public func events() -> AsyncStream<LinkEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: LinkEvent.self, bufferingPolicy: .unbounded)
        let core = self.core
        // onTermination runs on whatever thread ends the consumer — an event
        // loop, a pool thread — so it only asks the thread to stop and wakes
        // it; it never waits for it (docs/threading.md).
        continuation.onTermination = { _ in core.requestStop() }
        if core.start({ event in continuation.yield(event) }) {
            core.onStop { continuation.finish() }
        } else {
            continuation.finish()   // already started or stopped: events go to the first consumer
        }
        return stream
    }

    /// Stops the thread and waits for it to exit (unless called from a
    /// handler, on the thread itself). Idempotent.
    public func stop() {
        core.stop()
    }
}

/// The monitor's sockets, table and thread. Sockets are used by the
/// monitor thread only once it runs; the rest is under `lock`.
private final class MonitorCore: @unchecked Sendable {
    private let lock = NSCondition()
    private let events: LinkEventSocket
    private let requests: NetlinkSocket
    private var table: LinkTable
    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1
    private var started = false
    private var running = false
    private var stopRequested = false
    private var thread: pthread_t?
    private var stopHandlers: [@Sendable () -> Void] = []
    private var resynchronizations = 0

    var resynchronizationCount: Int {
        lock.lock(); defer { lock.unlock() }
        return resynchronizations
    }

    init(receiveBuffer: Int32) throws(NetlinkFailure) {
        // Subscribe before the dump: a change in between is in the queue.
        events = try LinkEventSocket(receiveBuffer: receiveBuffer)
        requests = try NetlinkSocket(protocol: NETLINK_ROUTE)
        table = LinkTable(try MonitorCore.dump(requests))
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw NetlinkFailure(errno: .current, request: "pipe") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    static func dump(_ socket: NetlinkSocket) throws(NetlinkFailure) -> [LinkInfo] {
        var all: [LinkInfo] = []
        try socket.transact(try RouteMessages.dumpLinks(), request: "RTM_GETLINK dump") { reply in
            if let link = RouteMessages.linkInfo(from: reply) { all.append(link) }
        }
        return all
    }

    func snapshot() -> [LinkInfo] {
        lock.lock(); defer { lock.unlock() }
        return table.links.values.sorted { $0.ifindex < $1.ifindex }
    }

    func onStop(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        let alreadyStopped = started && !running
        if !alreadyStopped { stopHandlers.append(body) }
        lock.unlock()
        if alreadyStopped { body() }
    }

    @discardableResult
    func start(_ handler: @escaping @Sendable (LinkEvent) -> Void) -> Bool {
        lock.lock()
        guard !started, !stopRequested else { lock.unlock(); return false }
        started = true
        running = true
        lock.unlock()
        let thread = Thread { [self] in
            lock.lock(); self.thread = pthread_self(); lock.unlock()
            run(handler)
            lock.lock()
            running = false
            let handlers = stopHandlers
            stopHandlers = []
            lock.broadcast()
            lock.unlock()
            handlers.forEach { $0() }
        }
        thread.name = "valed-link-monitor"
        thread.start()
        return true
    }

    /// Asks the thread to stop and wakes it, without waiting for it to exit.
    func requestStop() {
        lock.lock()
        stopRequested = true
        var byte: UInt8 = 1
        if running { _ = write(wakeWrite, &byte, 1) }
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopRequested = true
        let onMonitorThread = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        var byte: UInt8 = 1
        if running { _ = write(wakeWrite, &byte, 1) }
        if !onMonitorThread {
            while running { lock.wait() }
        }
        lock.unlock()
    }

    private var shouldStop: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopRequested
    }

    private func run(_ handler: @Sendable (LinkEvent) -> Void) {
        var pending: [LinkEvent] = []
        while !shouldStop {
            var fds = [pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if case .failure(let error) = valueOrErrno({ poll(&fds, 2, -1) }) {
                handler(.failed("link monitor stopped: poll failed: \(error.message)"))
                return
            }
            if fds[1].revents != 0 || shouldStop { return }
            let result = events.drain { note in
                lock.lock()
                pending += table.apply(deleted: note.deleted, note.link)
                lock.unlock()
            }
            switch result {
            case .drained:
                break
            case .overrun:
                do {
                    let current = try MonitorCore.dump(requests)
                    lock.lock()
                    pending += table.resynchronize(current)
                    resynchronizations += 1
                    lock.unlock()
                } catch {
                    pending.forEach(handler)
                    handler(.failed("link monitor stopped: cannot re-read links after lost notifications: \(error.description)"))
                    return
                }
            case .failed(let failure):
                pending.forEach(handler)
                handler(.failed("link monitor stopped: \(failure.description)"))
                return
            }
            // Deliver outside the lock, so a handler may call `links` or `stop`.
            let batch = pending
            pending = []
            batch.forEach(handler)
        }
    }
}
