#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import CLinuxSupport
import SystemCallSeam

/// One port as the packet thread sees it.
final class SwitchPort: Sendable {
    let index: Int
    let io: PacketSocketPort
    let kind: PortKind
    let hostStack: Bool
    let maxFrameSize: Int
    let statistics = PortStatistics()
    let monitors = PortMonitors()

    init(index: Int, io: PacketSocketPort, kind: PortKind, hostStack: Bool, maxFrameSize: Int) {
        self.index = index
        self.io = io
        self.kind = kind
        self.hostStack = hostStack
        self.maxFrameSize = maxFrameSize
    }
}

/// One userspace switch: the learning core plus one packet thread that
/// blocks in poll() on every port's socket and an eventfd, and forwards
/// whatever arrives. No busy polling: an idle switch sleeps in poll.
///
/// The packet thread holds `shared`'s lock while it forwards a batch and
/// never while it sleeps, so the control side (add/remove port) waits at
/// most one batch, and a port's socket is closed only when the packet
/// thread is outside the batch. Counters are atomics and need no lock.
/// Nothing foreign runs under the lock: monitor copies are collected in the
/// batch and their handlers called after the lock is released, so a handler
/// may call back into the switch (threading contract of `MonitorHandler`).
final class SwitchDatapath: Sendable {
    struct Shared: ~Copyable {
        var core: LearningSwitch
        var ports: [SwitchPort?] = Array(repeating: nil, count: SwitchConfiguration.maxPorts)
        var generation = 0
        var stopping = false
    }

    let name: String
    let configuration: SwitchConfiguration
    private let shared: Mutex<Shared>
    private let system: any PacketSystem
    private let wakeFD: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    /// The packet thread's pthread_t once it runs (0 before): `stop` called
    /// on it (a monitor handler deleting its own switch) must not wait for it.
    private let packetThread = Atomic<UInt>(0)

    init(name: String, configuration: SwitchConfiguration, clock: any SwitchClock,
         system: any PacketSystem) throws(SwitchError) {
        let made = system.eventfd()
        guard let fd = made.value else {
            let e = made.error ?? .tooManyOpenFiles
            throw SwitchError(.system, "cannot create switch \(name): eventfd failed: \(e.explanation)", errno: e)
        }
        self.name = name
        self.configuration = configuration
        self.system = system
        self.wakeFD = Int32(fd)
        shared = Mutex(Shared(core: LearningSwitch(configuration: configuration, clock: clock)))
    }

    /// Starts the packet thread.
    func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        // Thread names are at most 15 bytes (PR_SET_NAME); `top -H`
        // and /proc/PID/task/TID/comm show it.
        let threadName = String("vsw-\(name)".prefix(15))
        let thread = Thread { [self] in
            _ = clinux_set_thread_name(threadName)
            run()
            finished.signal()
        }
        thread.name = threadName
        thread.start()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { system.write(wakeFD, $0) }
    }

    /// Adds an opened interface as a port; returns its index.
    func add(_ io: PacketSocketPort, kind: PortKind, hostStack: Bool, maxFrameSize: Int) throws(SwitchError) -> Int {
        var stopped = false
        let index: Int? = shared.withLock { state in
            // Deleted meanwhile: stop() has closed the ports and the wake-up
            // descriptor, whose number may belong to someone else by now.
            if state.stopping { stopped = true; return nil }
            guard let index = state.core.freePortIndex else { return nil }
            let port = SwitchPort(index: index, io: io, kind: kind, hostStack: hostStack, maxFrameSize: maxFrameSize)
            state.core.addPort(index, maxFrameSize: maxFrameSize, statistics: port.statistics)
            state.ports[index] = port
            state.generation += 1
            return index
        }
        if stopped {
            throw SwitchError(.noSuchSwitch, "cannot attach \(name):\(io.interface): the switch was deleted meanwhile (ENXIO)", errno: .noSuchDeviceOrAddress)
        }
        guard let index else {
            throw SwitchError(.switchFull, "cannot attach \(name):\(io.interface): \(name) has \(SwitchConfiguration.maxPorts) ports, the most a switch can have (ENOMEM)", errno: .outOfMemory)
        }
        wake()
        return index
    }

    /// Removes the port and closes its socket; returns it, or nil when unknown.
    func remove(_ index: Int) -> SwitchPort? {
        let port: SwitchPort? = shared.withLock { state in
            guard state.ports.indices.contains(index), let port = state.ports[index] else { return nil }
            state.ports[index] = nil
            state.core.removePort(index)
            state.generation += 1
            // The packet thread is outside its batch (we hold the lock) and
            // rebuilds its poll set before touching ports again.
            port.io.close()
            return port
        }
        if port != nil { wake() }
        // Outside the lock: an ended callback may call back into the host.
        for ended in port?.monitors.removeAll() ?? [] { ended() }
        return port
    }

    /// The ports in index order.
    var ports: [SwitchPort] { shared.withLock { $0.ports.compactMap { $0 } } }

    /// The port at `index`.
    func port(_ index: Int) -> SwitchPort? {
        shared.withLock { $0.ports.indices.contains(index) ? $0.ports[index] : nil }
    }

    var learnedAddresses: Int { shared.withLock { $0.core.learnedCount } }

    /// The link state of each port, asked of the kernel through the port's
    /// own socket (so in the port's namespace), under the lock so no socket
    /// is closed meanwhile.
    func portStates() -> [Int: PortState] {
        let requests = InterfaceRequests(system: system)
        return shared.withLock { state in
            var result: [Int: PortState] = [:]
            for case let port? in state.ports {
                result[port.index] = requests.linkState(of: port.io.interface, index: port.io.ifindex, socket: port.io.fd)
            }
            return result
        }
    }

    /// Stops the packet thread, waits for it, closes every port. Called on
    /// the packet thread itself (a monitor handler, which runs with no lock
    /// held, deleting its own switch) it does not wait for itself: the thread
    /// is between batches and returns once the handlers are done.
    func stop() {
        shared.withLock { $0.stopping = true }
        wake()
        let onPacketThread = packetThread.load(ordering: .acquiring) == UInt(pthread_self())
        if started.load(ordering: .relaxed) && !onPacketThread { finished.wait() }
        let ended = shared.withLock { state in
            var ended: [@Sendable () -> Void] = []
            for case let port? in state.ports {
                port.io.close()
                ended += port.monitors.removeAll()
            }
            state.ports = Array(repeating: nil, count: SwitchConfiguration.maxPorts)
            return ended
        }
        system.close(wakeFD)
        for callback in ended { callback() }
    }

    // MARK: The packet thread

    private func run() {
        packetThread.store(UInt(pthread_self()), ordering: .releasing)
        var generation = -1
        var polled: [SwitchPort] = []
        var fds: [pollfd] = []
        var lastDropCheck: UInt64 = 0
        var busySince: UInt64 = 0
        let clock = MonotonicSwitchClock()
        let framesPerTurn = max(1, configuration.batchSize)
        // Super-frames the kernel queued on a socket are read into these.
        let largeFrames = LargeFrameBuffers()
        // Ports with frames queued for sendmmsg in the current batch.
        var pending: [SwitchPort] = []
        pending.reserveCapacity(SwitchConfiguration.maxPorts)
        // Monitor copies made under the lock, handed over after it.
        var outbox = MonitorOutbox()

        while true {
            let (stopping, current, ports) = shared.withLock { ($0.stopping, $0.generation, $0.ports) }
            if stopping { return }
            if current != generation {
                generation = current
                polled = ports.compactMap { $0 }
                fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
                fds += polled.map { pollfd(fd: $0.io.fd, events: Int16(POLLIN), revents: 0) }
            }
            // Sleep for good when idle; while traffic flows wake at least once a
            // second to collect the kernel's ring-overflow drops.
            let now = clock.nanoseconds()
            let timeout: Int32 = now &- busySince < 2_000_000_000 ? 1000 : -1
            let ready = fds.withUnsafeMutableBufferPointer { system.poll($0.baseAddress!, $0.count, timeout) }
            guard let readyCount = ready.value else { continue } // EINTR is retried in the seam; ENOMEM, EINVAL: try again
            if readyCount > 0 && fds[0].revents != 0 {
                var counter: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &counter) { system.read(wakeFD, $0) }
                continue // the port set may have changed: rebuild first
            }
            var received = 0
            shared.withLock { state in
                guard state.generation == generation else { return }
                let ports = state.ports
                for (i, port) in polled.enumerated() {
                    let events = fds[i + 1].revents
                    if events & Int16(POLLERR) != 0 {
                        // ENETDOWN after the link went down or the device went
                        // away; the socket rebinds itself when the link returns.
                        _ = port.io.takeError()
                    }
                    guard events & Int16(POLLIN) != 0 || port.io.hasReadyFrame else { continue }
                    let source = port.index
                    let rxMonitored = !port.monitors.isEmpty
                    received += port.io.receive(maxFrames: framesPerTurn, buffers: largeFrames, { frame, vnet, sec, nsec in
                        if rxMonitored {
                            Self.collect(frame, vnet, for: port.monitors, direction: .rx, port: source,
                                         seconds: Int(sec), nanoseconds: Int(nsec), into: &outbox)
                        }
                        // A super-frame crosses whole; ports compare its segment size.
                        let wireSize = vnet.isGSO ? SoftwareOffload.largestWireFrame(frame, header: vnet) ?? Int.max : frame.count
                        state.core.forward(frame, from: source, largestWireFrame: wireSize) { destination in
                            guard let out = ports[destination] else { return false }
                            if !out.io.hasPendingTransmit { pending.append(out) }
                            out.io.enqueue(frame, header: vnet, unsent: out.statistics.reclassifyUnsent)
                            if !out.monitors.isEmpty {
                                var ts = timespec()
                                clock_gettime(CLOCK_REALTIME, &ts)
                                Self.collect(frame, vnet, for: out.monitors, direction: .tx, port: destination,
                                             seconds: ts.tv_sec, nanoseconds: ts.tv_nsec, into: &outbox)
                            }
                            return true
                        }
                    }, dropped: { port.statistics.countReceiveDrops() }, endOfBatch: {
                        // The queued frames point into these slots and
                        // buffers: send them before they are reused.
                        for out in pending { out.io.flush(unsent: out.statistics.reclassifyUnsent) }
                        pending.removeAll(keepingCapacity: true)
                    })
                }
            }
            // No lock held here: a handler may call back into the host.
            outbox.deliver()
            if received > 0 { busySince = now }
            if now &- lastDropCheck >= 1_000_000_000 {
                lastDropCheck = now
                shared.withLock { state in
                    for case let port? in state.ports {
                        let drops = port.io.kernelDrops()
                        if drops > 0 { port.statistics.countReceiveDrops(UInt64(drops)) }
                    }
                }
            }
        }
    }

    /// Monitors see what is on the wire: a super-frame as its segments, a
    /// partial checksum finished (SoftwareOffload). A frame it cannot handle
    /// (UFO, tunnel GSO) is shown as it is.
    private static func collect(_ frame: UnsafeRawBufferPointer, _ vnet: VirtioNetHeader, for monitors: PortMonitors,
                                direction: FrameDirection, port: Int, seconds: Int, nanoseconds: Int,
                                into outbox: inout MonitorOutbox) {
        guard vnet.needsSoftwareOffload, case .success(let frames) = SoftwareOffload.wireFrames(frame, header: vnet) else {
            monitors.collect(frame, direction: direction, port: port, seconds: seconds, nanoseconds: nanoseconds, into: &outbox)
            return
        }
        for wire in frames {
            wire.withUnsafeBytes {
                monitors.collect($0, direction: direction, port: port, seconds: seconds, nanoseconds: nanoseconds, into: &outbox)
            }
        }
    }
}
