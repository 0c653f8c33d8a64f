import Foundation
import NetmapKit
import Logging
import Synchronization
import ValeForwarding
import ValeProtocol
import ValeSwitch

/// The forwarder's requests over its `UserspaceSwitchHost`, with the port
/// set mirrored in the state file.
///
/// Threading: each connection calls in on its own thread. Changes are
/// serialized by `changes`, which guards `state`, `pending` and
/// `shuttingDown`; under it run only the host's synchronous calls and the
/// state file write, never a callback of ours (monitor `ended` callbacks
/// only enqueue into their `MonitorQueue`, which takes no other lock).
/// `List` and `GetInfo` read the host without `changes` beyond a copy.
///
/// A rejected request changes nothing: a change is applied to the host and
/// then persisted, and undone when the write fails; a removal is persisted
/// first and then applied.
final class ForwarderService: @unchecked Sendable {
    let host: UserspaceSwitchHost
    let stateFile: StateFile
    let socketPath: String
    let logger: Logger
    let startTime: Date

    private let changes = NSLock()
    private var state: ForwarderState
    private var pending: [PendingAttachment] = []
    private var shuttingDown = false
    private var restoredPorts = 0
    private var restoreMilliseconds = 0.0

    init(host: UserspaceSwitchHost, stateFile: StateFile, socketPath: String, logger: Logger,
         startTime: Date, state: ForwarderState) {
        self.host = host
        self.stateFile = stateFile
        self.socketPath = socketPath
        self.logger = logger
        self.startTime = startTime
        self.state = state
    }

    // MARK: Restore

    /// Rebuilds the port set of the state file: TAPs that vanished, then
    /// switches, then attachments in their order. An attachment that fails
    /// (its interface is gone) is kept as pending, reported by List, and
    /// neither retried nor forgotten until valed says Attach or Detach.
    func restore() {
        let began = Date()
        changes.lock()
        defer { changes.unlock() }
        for tap in state.taps where !host.tapExists(tap.name) {
            do {
                try host.createTAP(tap.name, owner: tap.uid, group: tap.gid, mtu: tap.mtu)
                logger.info("restored TAP \(tap.name)")
            } catch {
                logger.error("cannot restore TAP \(tap.name): \(error)")
            }
        }
        var failedSwitches: [String: String] = [:]
        for record in state.switches {
            do {
                try host.createSwitch(record.name, configuration: Self.configuration(record.config))
            } catch {
                failedSwitches[record.name] = error.message
                logger.error("cannot restore switch \(record.name): \(error)")
            }
        }
        let attachments = state.attachments.filter { failedSwitches[$0.switchName] == nil }
        for record in state.attachments {
            if let reason = failedSwitches[record.switchName] {
                pending.append(PendingAttachment(switchName: record.switchName, interface: record.interface,
                                                 hostStack: record.hostStack, error: reason))
            }
        }
        let host = self.host
        let failures = Self.inParallel(attachments.count, workers: Self.restoreWorkers) { index -> SwitchError? in
            let record = attachments[index]
            do throws(SwitchError) {
                try host.attachInterface(switch: record.switchName, interface: record.interface,
                                         hostStack: record.hostStack, maxFrameSize: record.maxFrameSize)
                return nil
            } catch {
                return error
            }
        }
        var restored = 0
        for (record, failure) in zip(attachments, failures) {
            guard let failure else { restored += 1; continue }
            pending.append(PendingAttachment(switchName: record.switchName, interface: record.interface,
                                             hostStack: record.hostStack, error: failure.message))
            logger.warning("cannot restore \(record.switchName):\(record.interface): \(failure)")
        }
        restoredPorts = restored
        restoreMilliseconds = Date().timeIntervalSince(began) * 1000
    }

    /// Ports are opened this many at a time at start. Opening one is mostly
    /// waiting in the kernel (ring allocation, synchronize_net() in
    /// packet_set_ring and bind), not CPU, and concurrent waits share RCU
    /// grace periods: serially each port costs about 15 ms, so a switch of
    /// 32 ports took half a second (Benchmarks/forwarder/restart.py).
    /// The price: port indices after a restart follow the order the opens
    /// finished, not the attach order; the wire names ports by interface.
    static let restoreWorkers = 8

    /// Runs `body(0..<count)` on up to `workers` threads; the results in index order.
    static func inParallel<T: Sendable>(_ count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = Mutex<[T?]>(Array(repeating: nil, count: count))
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<min(workers, count) {
            group.enter()
            Thread {
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < count else { break }
                    let value = body(index)
                    results.withLock { $0[index] = value }
                }
                group.leave()
            }.start()
        }
        group.wait()
        return results.withLock { $0.map { $0! } }
    }

    /// A one-line summary for logs and sd_notify's STATUS=.
    var summary: String {
        changes.lock()
        defer { changes.unlock() }
        let ms = String(format: "%.1f", restoreMilliseconds)
        return "\(state.switches.count) switches, \(state.attachments.count - pending.count) ports forwarding, \(pending.count) pending; restored \(restoredPorts) ports in \(ms) ms"
    }

    // MARK: Reading

    func getInfo() -> ForwarderInfo {
        changes.lock()
        let (instance, restarts, ports, milliseconds) = (state.instanceID, state.restarts, restoredPorts, restoreMilliseconds)
        changes.unlock()
        return ForwarderInfo(pid: getpid(), startTime: startTime.timeIntervalSince1970,
                             uptimeSeconds: Date().timeIntervalSince(startTime), version: ValedVersion.string,
                             instanceID: instance, restarts: restarts, restoredPorts: ports,
                             restoreMilliseconds: milliseconds, socket: socketPath, stateFile: stateFile.path)
    }

    func list(_ p: ForwarderListParameters) throws(VarlinkError) -> ForwarderListReply {
        var switches = host.list()
        if let name = p.switchName {
            switches = switches.filter { $0.name == name }
            if switches.isEmpty {
                throw ForwarderError.notFound(kind: "switch", name: name, message: "cannot list \(name): no such switch")
            }
        }
        changes.lock()
        let pendingNow = pending.filter { p.switchName == nil || $0.switchName == p.switchName }
        let taps = state.taps
        changes.unlock()
        let tapInfo: [ForwarderTAP] = p.switchName != nil ? [] : taps.map { tap in
            ForwarderTAP(name: tap.name, uid: tap.uid, gid: tap.gid, mtu: tap.mtu, exists: host.tapExists(tap.name))
        }
        return ForwarderListReply(switches: switches.map { Self.wire($0) }, pending: pendingNow, taps: tapInfo)
    }

    // MARK: Switches

    func createSwitch(_ p: CreateSwitchParameters) throws(VarlinkError) -> ChangeReply {
        let config = p.config
        try Self.validate(config, name: p.name)
        return try change { () throws(VarlinkError) -> ChangeReply in
            if let existing = state.switches.first(where: { $0.name == p.name }) {
                let inHost = host.list().contains { $0.name == p.name }
                if existing.config == config, inHost {
                    return ChangeReply(changed: false, message: "switch \(p.name) exists already with this configuration")
                }
                if existing.config == config {
                    // Recorded but not restored at start: try again.
                    do throws(SwitchError) {
                        try host.createSwitch(p.name, configuration: Self.configuration(config))
                    } catch {
                        throw SwitchErrorMapping.varlinkError(error, switch: p.name)
                    }
                    return ChangeReply(changed: true, message: "created switch \(p.name), which could not be restored at start")
                }
                throw ForwarderError.alreadyExists(kind: "switch", name: p.name,
                                                   message: "cannot create switch \(p.name): it exists with another configuration (\(Self.describe(existing.config)))")
            }
            do throws(SwitchError) {
                try host.createSwitch(p.name, configuration: Self.configuration(config))
            } catch {
                throw SwitchErrorMapping.varlinkError(error, switch: p.name)
            }
            var next = state
            next.switches.append(ForwarderState.SwitchRecord(name: p.name, config: config))
            do throws(VarlinkError) {
                try commit(next)
            } catch {
                try? host.deleteSwitch(p.name)
                throw error
            }
            logger.info("created switch \(p.name) (\(Self.describe(config)))")
            return ChangeReply(changed: true, message: "created switch \(p.name)")
        }
    }

    func deleteSwitch(_ p: ForwarderNameParameters) throws(VarlinkError) -> ChangeReply {
        try change { () throws(VarlinkError) -> ChangeReply in
            let inHost = host.list().contains { $0.name == p.name }
            guard inHost || state.switches.contains(where: { $0.name == p.name }) else {
                return ChangeReply(changed: false, message: "switch \(p.name) does not exist")
            }
            var next = state
            next.switches.removeAll { $0.name == p.name }
            next.attachments.removeAll { $0.switchName == p.name }
            try commit(next)
            pending.removeAll { $0.switchName == p.name }
            if inHost { try? host.deleteSwitch(p.name) }
            logger.info("deleted switch \(p.name)")
            return ChangeReply(changed: true, message: "deleted switch \(p.name) and detached its ports")
        }
    }

    // MARK: Ports

    func attach(_ p: ForwarderAttachParameters) throws(VarlinkError) -> ForwarderAttachReply {
        let target = "\(p.switchName):\(p.interface)"
        if let size = p.maxFrameSize, !(60...65549).contains(size) {
            throw ForwarderError.invalidArgument("maxFrameSize", message: "cannot attach \(target): maxFrameSize \(size) is outside 60...65549")
        }
        return try change { () throws(VarlinkError) -> ForwarderAttachReply in
            if let port = host.list().first(where: { $0.name == p.switchName })?.ports.first(where: { $0.name == p.interface }) {
                return ForwarderAttachReply(port: port.index, changed: false, message: "\(p.interface) is already attached to \(p.switchName) as port \(port.index)")
            }
            let index: Int
            do throws(SwitchError) {
                index = try host.attachInterface(switch: p.switchName, interface: p.interface,
                                                 hostStack: p.hostStack ?? false, maxFrameSize: p.maxFrameSize)
            } catch {
                if let i = pending.firstIndex(where: { $0.interface == p.interface && $0.switchName == p.switchName }) {
                    pending[i].error = error.message
                }
                throw SwitchErrorMapping.varlinkError(error, switch: p.switchName, interface: p.interface)
            }
            var next = state
            next.attachments.removeAll { $0.interface == p.interface }
            next.attachments.append(ForwarderState.AttachmentRecord(switchName: p.switchName, interface: p.interface,
                                                                    hostStack: p.hostStack ?? false, maxFrameSize: p.maxFrameSize))
            do throws(VarlinkError) {
                try commit(next)
            } catch {
                _ = try? host.detach(switch: p.switchName, interface: p.interface)
                throw error
            }
            pending.removeAll { $0.interface == p.interface }
            logger.info("attached \(target) as port \(index)")
            return ForwarderAttachReply(port: index, changed: true, message: "attached \(target) as port \(index)")
        }
    }

    func detach(_ p: ForwarderDetachParameters) throws(VarlinkError) -> ChangeReply {
        let target = "\(p.switchName):\(p.interface)"
        return try change { () throws(VarlinkError) -> ChangeReply in
            let hostSwitch = host.list().first { $0.name == p.switchName }
            let known = state.switches.contains { $0.name == p.switchName }
            guard hostSwitch != nil || known else {
                throw ForwarderError.notFound(kind: "switch", name: p.switchName, message: "cannot detach \(target): no such switch \(p.switchName)")
            }
            let attached = hostSwitch?.ports.contains { $0.name == p.interface } ?? false
            let recorded = state.attachments.contains { $0.switchName == p.switchName && $0.interface == p.interface }
            guard attached || recorded else {
                return ChangeReply(changed: false, message: "\(p.interface) is not attached to \(p.switchName)")
            }
            var next = state
            next.attachments.removeAll { $0.switchName == p.switchName && $0.interface == p.interface }
            try commit(next)
            pending.removeAll { $0.switchName == p.switchName && $0.interface == p.interface }
            if attached { _ = try? host.detach(switch: p.switchName, interface: p.interface) }
            logger.info("detached \(target)")
            return ChangeReply(changed: true, message: attached ? "detached \(target)" : "forgot the pending attachment \(target)")
        }
    }

    // MARK: TAP devices

    func createTAP(_ p: CreateTAPParameters) throws(VarlinkError) -> ChangeReply {
        if let mtu = p.mtu, !(68...65535).contains(mtu) {
            throw ForwarderError.invalidArgument("mtu", message: "cannot create TAP \(p.name): MTU \(mtu) is outside 68...65535")
        }
        return try change { () throws(VarlinkError) -> ChangeReply in
            let recorded = state.taps.first { $0.name == p.name }
            if recorded != nil, host.tapExists(p.name) {
                return ChangeReply(changed: false, message: "TAP \(p.name) exists already")
            }
            let creation: TAPCreation
            do throws(SwitchError) {
                creation = try host.createTAP(p.name, owner: p.uid, group: p.gid, mtu: p.mtu)
            } catch {
                throw SwitchErrorMapping.varlinkError(error, interface: p.name)
            }
            var next = state
            next.taps.removeAll { $0.name == p.name }
            let created = creation == .created || recorded?.created == true
            next.taps.append(ForwarderState.TAPRecord(name: p.name, uid: p.uid, gid: p.gid, mtu: p.mtu, created: created))
            do throws(VarlinkError) {
                try commit(next)
            } catch {
                if creation == .created { try? host.deleteTAP(p.name) }
                throw error
            }
            let verb = creation == .created ? "created" : "adopted the existing"
            logger.info("\(verb) TAP \(p.name)")
            return ChangeReply(changed: true, message: "\(verb) TAP \(p.name)")
        }
    }

    func deleteTAP(_ p: ForwarderNameParameters) throws(VarlinkError) -> ChangeReply {
        try change { () throws(VarlinkError) -> ChangeReply in
            let recorded = state.taps.contains { $0.name == p.name }
            guard host.tapExists(p.name) else {
                if recorded {
                    var next = state
                    next.taps.removeAll { $0.name == p.name }
                    next.attachments.removeAll { $0.interface == p.name }
                    try commit(next)
                    pending.removeAll { $0.interface == p.name }
                    return ChangeReply(changed: true, message: "TAP \(p.name) was already gone; forgot it")
                }
                if host.owner(of: p.name) == nil, !interfaceExists(p.name) {
                    return ChangeReply(changed: false, message: "TAP \(p.name) does not exist")
                }
                throw ForwarderError.alreadyExists(kind: "interface", name: p.name, message: "cannot delete TAP \(p.name): \(p.name) is not a TAP device (EINVAL)")
            }
            var failure: VarlinkError?
            do throws(SwitchError) {
                try host.deleteTAP(p.name)
            } catch {
                failure = SwitchErrorMapping.varlinkError(error, interface: p.name)
            }
            // deleteTAP detaches before it deletes: record what is true now,
            // whether or not the delete itself went through.
            var next = state
            if host.owner(of: p.name) == nil { next.attachments.removeAll { $0.interface == p.name } }
            if !host.tapExists(p.name) { next.taps.removeAll { $0.name == p.name } }
            if next != state { try commit(next) }
            if let failure { throw failure }
            pending.removeAll { $0.interface == p.name }
            logger.info("deleted TAP \(p.name)")
            return ChangeReply(changed: true, message: "deleted TAP \(p.name)")
        }
    }

    private func interfaceExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    // MARK: Monitors

    /// Starts copying the frames of `p.interface` into a new queue; the
    /// caller streams it and calls `stopMonitor` when done.
    func startMonitor(_ p: ForwarderMonitorParameters) throws(VarlinkError) -> (MonitorQueue, MonitorToken) {
        let target = "\(p.switchName):\(p.interface)"
        if let count = p.count, count < 0 {
            throw ForwarderError.invalidArgument("count", message: "cannot monitor \(target): count \(count) is negative")
        }
        let info: ValeSwitch.SwitchInfo
        do throws(SwitchError) {
            info = try host.info(switch: p.switchName)
        } catch {
            throw ForwarderError.notFound(kind: "switch", name: p.switchName, message: "cannot monitor \(target): no such switch \(p.switchName)")
        }
        guard let port = info.ports.first(where: { $0.name == p.interface }) else {
            throw ForwarderError.notFound(kind: "port", name: target, message: "cannot monitor \(target): \(p.interface) is not attached to \(p.switchName)")
        }
        let queue: MonitorQueue
        do {
            queue = try MonitorQueue(count: p.count)
        } catch {
            throw ForwarderError.failed("cannot monitor \(target): \(error)")
        }
        let direction: ValeSwitch.MonitorDirection = switch p.direction ?? .both {
        case .rx: .rx
        case .tx: .tx
        case .both: .both
        }
        do throws(SwitchError) {
            let token = try host.addMonitor(switch: p.switchName, port: port.index, direction: direction,
                                            ended: { queue.end(.portGone) }, handler: { queue.push($0) })
            return (queue, token)
        } catch {
            throw SwitchErrorMapping.varlinkError(error, switch: p.switchName, interface: p.interface)
        }
    }

    func stopMonitor(_ token: MonitorToken) {
        host.removeMonitor(token)
    }

    // MARK: Lifetime

    /// Teardown: every switch and port goes, the TAPs vale-switchd created
    /// too (unless `keepTAPs`), and the state file, so that nothing comes
    /// back. Further changes are refused; the caller then exits.
    func shutdown(_ p: ShutdownParameters) throws(VarlinkError) -> ShutdownReply {
        changes.lock()
        defer { changes.unlock() }
        guard !shuttingDown else { throw ForwarderError.shuttingDown("vale-switchd is already shutting down") }
        shuttingDown = true
        let switches = host.list()
        let ports = switches.reduce(0) { $0 + $1.ports.count }
        host.shutdown()
        var removedTAPs = 0
        var problems: [String] = []
        if !(p.keepTAPs ?? false) {
            for tap in state.taps where tap.created && host.tapExists(tap.name) {
                do {
                    try host.deleteTAP(tap.name)
                    removedTAPs += 1
                } catch {
                    problems.append(error.message)
                }
            }
        }
        do {
            try stateFile.remove()
        } catch {
            problems.append(error.description)
        }
        var message = "stopped \(switches.count) switches with \(ports) ports, deleted \(removedTAPs) TAP devices; vale-switchd exits"
        if !problems.isEmpty { message += "; " + problems.joined(separator: "; ") }
        logger.notice("shutdown requested: \(message)")
        return ShutdownReply(switches: switches.count, ports: ports, taps: removedTAPs, message: message)
    }

    /// SIGTERM: stop forwarding and refuse changes, leaving the state file
    /// and the TAP devices, so the next start restores the same ports.
    func stop() {
        changes.lock()
        shuttingDown = true
        changes.unlock()
        host.shutdown()
    }

    // MARK: Helpers

    private func change<T>(_ body: () throws(VarlinkError) -> T) throws(VarlinkError) -> T {
        changes.lock()
        defer { changes.unlock() }
        guard !shuttingDown else { throw ForwarderError.shuttingDown("vale-switchd is shutting down and takes no changes") }
        return try body()
    }

    /// Writes `next` to the state file and makes it the state. Call under `changes`.
    private func commit(_ next: ForwarderState) throws(VarlinkError) {
        do {
            try stateFile.save(next)
        } catch {
            logger.error("\(error.description)")
            throw ForwarderError.systemError(object: stateFile.path, errno: nil, errnoName: nil,
                                             message: "the change was not made: \(error.description)")
        }
        state = next
    }

    static func configuration(_ c: ForwarderSwitchConfig) -> SwitchConfiguration {
        SwitchConfiguration(tableSize: c.tableSize, agingSeconds: c.agingSeconds,
                            transmitRing: c.transmitRing, receiveRingMiB: c.ringMiB)
    }

    static func validate(_ c: ForwarderSwitchConfig, name: String) throws(VarlinkError) {
        let what = "cannot create switch \(name)"
        // The forwarder's own rule for a switch label (io.valed.forwarder):
        // ValeSwitch takes any label; valed sends VALE names, which it checks
        // with NetmapKit's grammar before they get here.
        let isLabel = (1...VALELimits.maxInterfaceNameLength).contains(name.utf8.count)
            && name.utf8.allSatisfy(VALESwitchName.isIdentifierByte)
        if !isLabel {
            throw ForwarderError.invalidArgument("name", message: "invalid switch name '\(name)': 1 to 15 characters of letters, digits and '_'")
        }
        if !(1...(1 << 20)).contains(c.tableSize) {
            throw ForwarderError.invalidArgument("tableSize", message: "\(what): tableSize \(c.tableSize) is outside 1...1048576")
        }
        if !(0...(1 << 30)).contains(c.agingSeconds) {
            throw ForwarderError.invalidArgument("agingSeconds", message: "\(what): agingSeconds \(c.agingSeconds) is negative or too large")
        }
        if !(1...256).contains(c.ringMiB) {
            throw ForwarderError.invalidArgument("ringMiB", message: "\(what): ringMiB \(c.ringMiB) is outside 1...256")
        }
    }

    static func describe(_ c: ForwarderSwitchConfig) -> String {
        "table \(c.tableSize), aging \(c.agingSeconds) s, ring \(c.ringMiB) MiB\(c.transmitRing ? ", TX ring" : "")"
    }

    static func wire(_ s: ValeSwitch.SwitchInfo) -> ForwarderSwitch {
        let c = s.configuration
        return ForwarderSwitch(
            name: s.name,
            config: ForwarderSwitchConfig(tableSize: c.tableSize, agingSeconds: c.agingSeconds, ringMiB: c.receiveRingMiB,
                                          transmitRing: c.transmitRing),
            learnedAddresses: s.learnedAddresses,
            ports: s.ports.map { port in
                let n = port.counters
                let state: ForwarderPortState = switch port.state {
                case .up: .up
                case .down: .down
                case .noCarrier: .noCarrier
                case .gone: .gone
                }
                let kind: ForwarderPortKind = switch port.kind {
                case .nic: .nic
                case .veth: .veth
                case .tap: .tap
                }
                return ForwarderPort(index: port.index, interface: port.name, kind: kind, hostStack: port.hostStack,
                                     maxFrameSize: port.maxFrameSize, state: state,
                                     counters: ForwarderCounters(rxPackets: n.rxPackets, rxBytes: n.rxBytes, rxDrops: n.rxDrops,
                                                                 txPackets: n.txPackets, txBytes: n.txBytes, txDrops: n.txDrops))
            })
    }
}
