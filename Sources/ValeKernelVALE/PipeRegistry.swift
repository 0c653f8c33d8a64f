import CLinuxSupport
import Foundation
import Logging
import NetmapKit
import Synchronization
import ValeDatapath
import ValeState

/// Where the descriptor handed to a client for a pipe end comes from.
public enum PipeEndDescriptorSource: Sendable {
    /// The bound netmap descriptor of the end itself (production).
    case netmap
    /// A connected `socketpair(AF_UNIX, SOCK_SEQPACKET)` per pipe whose two
    /// sockets stand for the master and slave ends. Only for the kernel-model
    /// harness, whose netmap descriptors are not real kernel descriptors:
    /// it lets tests prove that a real, working descriptor crossed processes.
    case socketPairStandIns
}

/// Named netmap pipe pairs held open by valed (`valectl pipe create`), so
/// they outlive the applications that use them.
///
/// Naming (NETMAP-API.md 4.5): pipe `NAME` is the pair `NAME{0` (master)
/// and `NAME}0` (slave) on the parent `NAME`. `NAME` is not a netdev, so the
/// kernel creates an auto-delete persistent interface `NAME` for it (seen in
/// `ip link` while the pipe exists). valed registers both ends on its own
/// descriptors; the pipe lives until `pipe delete` and until every client
/// that received an end has closed it.
public final class PipeRegistry: PipeProviding, Sendable {
    struct Held: Sendable {
        var slots: Int
        var master: NetmapBinding
        var slave: NetmapBinding
        /// Stand-in descriptors (master, slave) in `.socketPairStandIns` mode.
        var standIns: (Int32, Int32)?
        var holders: [Holder] = []
    }

    struct Holder: Sendable, Hashable {
        var end: PipeEnd
        var pid: Int32
        var uid: UInt32
    }

    /// Keeps the records of the pipes (the engine, owner of the store).
    let engine: any PipeRecordKeeping
    let systemCalls: any NetmapSystemCalls
    let devicePath: String
    let netdevExists: @Sendable (String) -> Bool
    let descriptorSource: PipeEndDescriptorSource
    let logger: Logger
    /// Whether a process exists (kill(pid, 0)); replaced in tests.
    let isAlive: @Sendable (Int32) -> Bool
    private let pipes = Mutex<[String: Held]>([:])

    public init(engine: any PipeRecordKeeping, systemCalls: any NetmapSystemCalls, devicePath: String = Netmap.devicePath,
                netdevExists: @escaping @Sendable (String) -> Bool, descriptorSource: PipeEndDescriptorSource = .netmap,
                logger: Logger = Logger(label: "valed.pipes"),
                isAlive: @escaping @Sendable (Int32) -> Bool = { kill($0, 0) == 0 || errno == EPERM }) {
        self.engine = engine
        self.systemCalls = systemCalls
        self.devicePath = devicePath
        self.netdevExists = netdevExists
        self.descriptorSource = descriptorSource
        self.logger = logger
        self.isAlive = isAlive
    }

    /// The netmap port name of one end.
    public static func portName(_ name: String, _ end: PipeEnd) -> String {
        end == .master ? "\(name){0" : "\(name)}0"
    }

    /// Re-opens the pipes recorded in the store (daemon start). A pipe that
    /// cannot be opened is logged and stays recorded; `pipe delete` forgets it.
    public func restore() async {
        for (name, stored) in await engine.storedPipes().sorted(by: { $0.key < $1.key }) {
            do {
                let held = try open(name, slots: stored.slots)
                pipes.withLock { $0[name] = held }
                logger.info("re-opened pipe \(name) (\(held.slots) slots)")
            } catch {
                logger.error("cannot re-open pipe \(name): \(error)")
            }
        }
    }

    /// Registers both ends of `name`.
    func open(_ name: String, slots: Int?) throws(DatapathError) -> Held {
        var request = RegisterRequest(mode: .allNIC)
        if let slots {
            request.txSlots = UInt32(slots)
            request.rxSlots = UInt32(slots)
        }
        let master: NetmapBinding, slave: NetmapBinding
        do {
            master = try NetmapBinding(Self.portName(name, .master), request: request, devicePath: devicePath, systemCalls: systemCalls)
            slave = try NetmapBinding(Self.portName(name, .slave), request: request, devicePath: devicePath, systemCalls: systemCalls)
        } catch {
            throw .failed("cannot open pipe \(name): \(error)")
        }
        var standIns: (Int32, Int32)?
        if descriptorSource == .socketPairStandIns {
            var fds: [Int32] = [-1, -1]
            if case .failure(let error) = valueOrErrno({ socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }) {
                master.close(); slave.close()
                throw .failed("cannot open pipe \(name): socketpair: \(error.explanation)")
            }
            standIns = (fds[0], fds[1])
        }
        return Held(slots: Int(master.registration.txSlots), master: master, slave: slave, standIns: standIns)
    }

    static func close(_ held: Held) {
        held.master.close()
        held.slave.close()
        if let (a, b) = held.standIns { Glibc.close(a); Glibc.close(b) }
    }

    public func create(name: String, slots: Int?) async throws -> PipeCreated {
        if let problem = PipeName.problem(with: name) {
            throw DatapathError(.invalidName(name, reason: problem), "cannot create pipe \(name): \(problem)")
        }
        if let slots, !(1...4096).contains(slots) {
            throw DatapathError(.invalidArgument(parameter: "slots"), "cannot create pipe \(name): slots must be between 1 and 4096, not \(slots)")
        }
        if let existing = pipes.withLock({ $0[name] }) {
            return PipeCreated(pipe: info(name, existing), changed: false,
                                   message: "pipe \(name) already exists (\(existing.slots) slots)")
        }
        if netdevExists(name) {
            throw DatapathError(.alreadyExists(kind: "interface", name: name),
                                 "cannot create pipe \(name): a network interface named \(name) exists, and a pipe's name becomes its own netmap interface")
        }
        let held = try open(name, slots: slots)
        let raced = pipes.withLock { pipes -> Held? in
            if let other = pipes[name] { return other }
            pipes[name] = held
            return nil
        }
        if let raced {
            Self.close(held)
            return PipeCreated(pipe: info(name, raced), changed: false, message: "pipe \(name) already exists (\(raced.slots) slots)")
        }
        do { try await engine.setStoredPipe(name, StoredPipe(slots: slots)) } catch {
            pipes.withLock { _ = $0.removeValue(forKey: name) }
            Self.close(held)
            throw DatapathError.failed("cannot create pipe \(name): the state could not be saved: \(error)")
        }
        logger.info("created pipe \(name) (\(held.slots) slots)")
        return PipeCreated(pipe: info(name, held), changed: true,
                               message: "created pipe \(name): master \(Self.portName(name, .master)), slave \(Self.portName(name, .slave)), \(held.slots) slots")
    }

    public func delete(name: String) async throws -> PipeDeleted {
        let held = pipes.withLock { $0.removeValue(forKey: name) }
        let stored = await engine.storedPipes()[name] != nil
        // Like `port delete` and `detach`: what is already gone is no error.
        guard held != nil || stored else { return PipeDeleted(changed: false, message: "pipe \(name) does not exist") }
        do { try await engine.setStoredPipe(name, nil) } catch {
            if let held { pipes.withLock { $0[name] = held } }
            throw DatapathError.failed("cannot delete pipe \(name): the state could not be saved: \(error)")
        }
        var message = "deleted pipe \(name)"
        if let held {
            let living = held.holders.filter { isAlive($0.pid) }
            Self.close(held)
            if !living.isEmpty {
                message += "; it lives on until pid \(living.map { String($0.pid) }.joined(separator: ", ")) close\(living.count == 1 ? "s" : "") \(living.count == 1 ? "its end" : "their ends")"
            }
        }
        logger.info("\(message)")
        return PipeDeleted(changed: true, message: message)
    }

    public func list() -> PipeList {
        let all = pipes.withLock { pipes in
            for name in pipes.keys { pipes[name]!.holders.removeAll { !isAlive($0.pid) } }
            return pipes
        }
        return PipeList(pipes: all.keys.sorted().map { info($0, all[$0]!) })
    }

    /// Closes every pipe (daemon shutdown; the store keeps them for the next start).
    public func closeAll() {
        let all = pipes.withLock { pipes in defer { pipes.removeAll() }; return pipes }
        for held in all.values { Self.close(held) }
    }

    /// A duplicate of the descriptor to hand `caller` for `end` of pipe
    /// `name` (the caller closes it after sending), recording the caller as
    /// its holder. Duplicated under the lock so a concurrent `delete` can
    /// never let a reused descriptor number go out. One living holder per
    /// end: two processes on one set of rings would corrupt each other's indices.
    public func descriptor(name: String, end: PipeEnd, for caller: some PipeClient) throws(DatapathError) -> (Int32, PipeEndOpened) {
        let result = pipes.withLock { pipes -> Result<(Int32, PipeEndOpened), DatapathError> in
            guard var held = pipes[name] else {
                return .failure(DatapathError(.notFound(kind: "pipe", name: name), "cannot open pipe \(name): no pipe named \(name) (create it with `valectl pipe create \(name)`)"))
            }
            held.holders.removeAll { !isAlive($0.pid) }
            if let holder = held.holders.first(where: { $0.end == end }) {
                pipes[name] = held
                return .failure(DatapathError(.busy(name: name), "cannot open the \(end.rawValue) end of pipe \(name): pid \(holder.pid)\(Self.command(of: holder.pid).map { " (\($0))" } ?? "") holds it"))
            }
            let fd: Int32 = switch (descriptorSource, end) {
            case (.netmap, .master): held.master.fileDescriptor
            case (.netmap, .slave): held.slave.fileDescriptor
            case (.socketPairStandIns, .master): held.standIns!.0
            case (.socketPairStandIns, .slave): held.standIns!.1
            }
            let duplicate: Int32
            switch valueOrErrno({ clinux_dup_cloexec(fd) }) {
            case .success(let copy): duplicate = copy
            case .failure(let error):
                return .failure(.failed("cannot open the \(end.rawValue) end of pipe \(name): dup: \(error.explanation)"))
            }
            held.holders.append(Holder(end: end, pid: caller.pid, uid: caller.uid))
            pipes[name] = held
            let registration = (end == .master ? held.master : held.slave).registration
            return .success((duplicate, PipeEndOpened(name: name, end: end, portName: Self.portName(name, end), slots: held.slots,
                                               memorySize: Int(registration.memorySize), interfaceOffset: Int(registration.interfaceOffset))))
        }
        return try result.get()
    }

    /// Forgets a holder whose descriptor could not be delivered.
    public func release(name: String, end: PipeEnd, pid: Int32) {
        pipes.withLock { pipes in pipes[name]?.holders.removeAll { $0.end == end && $0.pid == pid } }
    }

    func info(_ name: String, _ held: Held) -> PipeStatus {
        PipeStatus(name: name, slots: held.slots, holders: held.holders.map {
            PipeHolder(end: $0.end, pid: Int($0.pid), uid: Int($0.uid), command: Self.command(of: $0.pid))
        })
    }

    /// /proc/PID/comm: the holder's current command (it changes when
    /// `valectl pipe open -- COMMAND` execs COMMAND).
    static func command(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
