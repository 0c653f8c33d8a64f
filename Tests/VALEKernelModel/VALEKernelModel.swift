#if canImport(Glibc)
import Glibc
#endif
import CNetmap
import Foundation
import NetmapKit
import Synchronization

/// A model of the netmap kernel module's VALE control semantics, written from
/// NETMAP-API.md (sections 3, 4.3, 7.10, 7.11, 10), behind NetmapKit's
/// syscall seam: `open("/dev/netmap")`, `NIOCCTRL` for every control request
/// a switch manager sends, `close`.
///
/// State lives in memory, or — with `stateFile` — in a JSON file: every
/// ioctl takes an exclusive `flock` on `<stateFile>.lock`, loads the file,
/// applies the request and writes the file atomically (temp file + rename).
/// So a real valed process can be killed with -9 and restarted and still
/// find its "kernel" state, and a test process can read the same file
/// (``VALEKernelModel/readState(stateFile:)``). Every call of a mutating
/// request type (REGISTER, ATTACH, DETACH, NEWIF, DELIF, PORT_HDR_SET,
/// POLLING_ENABLE/DISABLE, and PORT_INFO_GET/POOLS_INFO_GET when they renamed
/// a port) is appended to the state's call log.
///
/// What the model does not do: packet memory (`mmap` fails with `ENODEV` on
/// a bound fd), link flaps, admode, exclusive-switch `EACCES`, options.
public final class VALEKernelModel: NetmapSystemCalls {
    /// The JSON state file, or nil for an in-memory model.
    public let stateFile: String?
    private let memory: Mutex<VALEKernelState>
    private let descriptors = Mutex<[Int32: VALEKernelBinding?]>([:])
    private let nextDescriptor = Mutex<Int32>(1000)

    /// Creates a model.
    ///
    /// - Parameters:
    ///   - stateFile: a JSON file shared between processes; if it exists its
    ///     state is used as is (the "kernel" survived), otherwise it is created
    ///     from the other parameters.
    ///   - nics: names of the NICs (netdevs) present in the namespace.
    ///   - rxRings: RX (and TX) rings of each NIC (multi-CPU polling needs enough).
    ///   - maxSwitches: `max_bridges`.
    ///   - cpuCount: number of CPU ids (polling count must stay below it).
    public init(stateFile: String? = nil, nics: [String] = [], rxRings: UInt16 = 4,
                maxSwitches: Int = VALELimits.defaultMaxSwitches, cpuCount: Int = 4) {
        self.stateFile = stateFile
        let initial = VALEKernelState(
            nics: nics.map { VALEKernelState.Netdev(name: $0, kind: .nic, txRings: rxRings, rxRings: rxRings, txSlots: 512, rxSlots: 512) },
            maxSwitches: maxSwitches, cpuCount: cpuCount)
        memory = Mutex(initial)
        if let stateFile, !FileManager.default.fileExists(atPath: stateFile) {
            try? Self.withLockedFile(stateFile) { _ in try Self.save(initial, to: stateFile) }
        }
    }

    // MARK: State access for tests

    /// The current state (read from the file when file-backed). An unreadable
    /// state file stops the test: the model has nothing sensible to answer.
    public var state: VALEKernelState {
        do { return try transact { state throws(Errno) in state } } catch {
            preconditionFailure("VALEKernelModel cannot read \(stateFile ?? "its state"): \(error)")
        }
    }

    /// Reads the state of a file-backed model from another process or test.
    public static func readState(stateFile: String) throws -> VALEKernelState {
        try withLockedFile(stateFile) { _ in try load(stateFile) }
    }

    /// The log of calls of mutating request types, oldest first.
    public var callLog: [VALEKernelState.Call] { state.calls }

    /// Empties the call log.
    public func clearCallLog() { mutate { $0.calls.removeAll() } }

    /// Applies `change` to the state under the lock (tests: add NICs, unplug, ...).
    public func mutate(_ change: (inout VALEKernelState) -> Void) {
        do { try transact { state throws(Errno) in change(&state) } } catch {
            preconditionFailure("VALEKernelModel cannot update \(stateFile ?? "its state"): \(error)")
        }
    }

    /// Adds a NIC to the namespace.
    public func addNIC(_ name: String, rings: UInt16 = 4) {
        mutate { state in
            if state.netdev(name) == nil {
                state.netdevs.append(.init(name: name, kind: .nic, txRings: rings, rxRings: rings, txSlots: 512, rxSlots: 512))
            }
        }
    }

    /// Removes a netdev (an unplugged NIC). Its attachment stays in the switch,
    /// as in the kernel, until detached (7.8).
    public func removeNetdev(_ name: String) { mutate { $0.netdevs.removeAll { $0.name == name } } }

    /// Simulates a VM or application holding the ephemeral port `valeX:P` open
    /// (REGISTER by another program). Throws the errno REGISTER would return.
    public func addEphemeralPort(_ name: String) throws(Errno) {
        try transact { state throws(Errno) in
            guard name.hasPrefix("val"), let (sw, port) = VALEKernelState.splitVALE(name) else { throw .outOfMemory }
            if let b = state.switchIndex(sw), state.switches[b]!.slot(named: name) != nil { throw .resourceBusy }
            if state.netdev(port) != nil { throw .invalidArgument }
            let bridge = try state.switchForCreation(sw, needing: 1)
            _ = state.addPort(.init(name: name, kind: .ephemeral, holders: ["external"]), to: bridge)
        }
    }

    /// Ends an ephemeral port added by ``addEphemeralPort(_:)`` (the VM closed it).
    public func removeEphemeralPort(_ name: String) {
        mutate { $0.release(.ephemeral(name: name, holder: "external")) }
    }

    /// `vale-ctl -p SWITCH:NIC` from outside valed: the kernel starts a
    /// polling thread (single-CPU mode on CPU 0). A later POLLING_ENABLE by
    /// valed then fails with EFAULT (issue 15 item 4).
    public func startPollingOutsideValed(_ name: String) {
        mutate { state in
            guard let (sw, _) = VALEKernelState.splitVALE(name), let b = state.switchIndex(sw),
                  let slot = state.switches[b]!.slot(named: name) else { return }
            state.switches[b]!.ports[slot]!.polling = [1, 0, 1]
        }
    }

    /// `vale-ctl -P SWITCH:NIC` from outside valed: the kernel stops the
    /// polling thread, whoever started it. Nothing tells valed.
    public func stopPollingOutsideValed(_ name: String) {
        mutate { state in
            guard let (sw, _) = VALEKernelState.splitVALE(name), let b = state.switchIndex(sw),
                  let slot = state.switches[b]!.slot(named: name) else { return }
            state.switches[b]!.ports[slot]!.polling = nil
        }
    }

    /// The polling the kernel runs on `name` (mode, first CPU, count), if any.
    public func pollingOf(_ name: String) -> [UInt32]? {
        state.allPorts.first { $0.port.name == name }?.port.polling
    }

    /// Makes `/dev/netmap` appear or disappear (module loaded / not loaded).
    public func setDeviceExists(_ exists: Bool) { mutate { $0.deviceExists = exists } }

    // MARK: Transactions

    @discardableResult
    func transact<T>(_ body: (inout VALEKernelState) throws(Errno) -> T) throws(Errno) -> T {
        guard let stateFile else {
            return try memory.withLock { state throws(Errno) -> T in try body(&state) }
        }
        let outcome: Result<T, Errno>
        do {
            outcome = try Self.withLockedFile(stateFile) { _ in
                var state = try Self.load(stateFile)
                let original = state
                let result = Result { () throws(Errno) -> T in try body(&state) }
                if state != original { try Self.save(state, to: stateFile) }
                return result
            }
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
        return try outcome.get()
    }

    static func withLockedFile<T>(_ stateFile: String, _ body: (Int32) throws -> T) throws -> T {
        let lockFD = Glibc.open(stateFile + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw Errno.current }
        defer { Glibc.close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 {
            if Errno.current != .interrupted { throw Errno.current }
        }
        defer { flock(lockFD, LOCK_UN) }
        return try body(lockFD)
    }

    static func load(_ stateFile: String) throws -> VALEKernelState {
        let data = try Data(contentsOf: URL(fileURLWithPath: stateFile))
        return try JSONDecoder().decode(VALEKernelState.self, from: data)
    }

    static func save(_ state: VALEKernelState, to stateFile: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: stateFile), options: .atomic)
    }

    // MARK: NetmapSystemCalls

    /// `open`: a fake fd (1000, 1001, ...), or `ENOENT` while the device is absent.
    public func open(_ path: String, flags: Int32) throws(Errno) -> Int32 {
        let exists = try transact { state throws(Errno) -> Bool in
            state.reapHolders { pid in Glibc.kill(pid, 0) == 0 || Errno.current != .init(rawValue: ESRCH) }
            return state.deviceExists
        }
        guard exists else { throw .noSuchFileOrDirectory }
        let fd = nextDescriptor.withLock { value in defer { value += 1 }; return value }
        descriptors.withLock { $0[fd] = .some(nil) }
        return fd
    }

    /// `close`: releases what a REGISTER on this fd held (ephemeral ports die with it).
    public func close(_ fd: Int32) throws(Errno) {
        guard let binding = descriptors.withLock({ $0.removeValue(forKey: fd) }) else { throw .badFileDescriptor }
        if let binding { try transact { state throws(Errno) in state.release(binding) } }
    }

    /// `ioctl`: `NIOCCTRL` requests as the kernel handles them; `NIOCTXSYNC`/
    /// `NIOCRXSYNC` succeed on bound fds (`ENXIO` otherwise); other numbers `EOPNOTSUPP`.
    public func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        guard let binding = descriptors.withLock({ $0[fd] }) else { throw .badFileDescriptor }
        switch request {
        case Netmap.NIOCCTRL:
            guard let argument else { throw .invalidArgument }
            try control(fd: fd, bound: binding != nil, header: argument.assumingMemoryBound(to: nmreq_header.self))
            return 0
        case Netmap.NIOCTXSYNC, Netmap.NIOCRXSYNC:
            guard binding != nil else { throw .noSuchDeviceOrAddress }
            return 0
        default:
            throw .notSupported
        }
    }

    /// `mmap`: `EINVAL` on an unbound fd; the model has no packet memory (`ENODEV`).
    public func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        guard let binding = descriptors.withLock({ $0[fd] }) else { throw .badFileDescriptor }
        guard binding != nil else { throw .invalidArgument }
        throw .noSuchDevice
    }

    /// `munmap`: nothing is ever mapped by the model.
    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
        throw .invalidArgument
    }

    /// `poll`: `POLLERR` on unbound fds; a monitor is never ready (the model
    /// has no frames) and gets no `POLLERR` either, also after its port left
    /// the switch — as on the real module (issue 15 item 2); other bound fds
    /// are always ready for what they ask.
    public func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int {
        var ready = 0
        for i in descriptors.indices {
            let binding = self.descriptors.withLock { $0[descriptors[i].fd] }
            if binding == nil || binding! == nil {
                descriptors[i].revents = Int16(POLLERR)
            } else if case .monitor = binding!! {
                descriptors[i].revents = 0
            } else {
                descriptors[i].revents = descriptors[i].events & Int16(POLLIN | POLLOUT)
            }
            if descriptors[i].revents != 0 { ready += 1 }
        }
        return ready
    }

    // MARK: NIOCCTRL

    static let loggedTypes: Set<NetmapRequestType> = [
        .register, .valeAttach, .valeDetach, .valeNewInterface, .valeDeleteInterface,
        .portHeaderSet, .valePollingEnable, .valePollingDisable,
    ]

    func control(fd: Int32, bound: Bool, header: UnsafeMutablePointer<nmreq_header>) throws(Errno) {
        // 3.0: version, reserved, body presence — with the nr_reserved trap.
        guard Netmap.acceptedAPIVersions.contains(header.pointee.nr_version) else { throw .invalidArgument }
        guard header.pointee.nr_reserved == 0 else { throw .invalidArgument }
        header.pointee.nr_reserved = 1
        let rawType = header.pointee.nr_reqtype
        let type = NetmapRequestType(rawValue: rawType)
        let bodySize = type?.bodySize ?? 0
        guard (bodySize == 0) == (header.pointee.nr_body == 0) else { throw .invalidArgument }
        header.pointee.nr_reserved = 0
        guard let type, type.rawValue <= NetmapRequestType.poolsInfoGet.rawValue else { throw .invalidArgument }
        withUnsafeMutableBytes(of: &header.pointee.nr_name) { $0[63] = 0 }
        let name = NetmapEncoding.string(fromCharArray: header.pointee.nr_name)

        // The kernel works on a copy of the body and copies it back only on success.
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(bodySize, 8), alignment: 8)
        defer { scratch.deallocate() }
        let userBody = UnsafeMutableRawPointer(bitPattern: UInt(header.pointee.nr_body))
        if let userBody, bodySize > 0 { scratch.copyMemory(from: userBody, byteCount: bodySize) }
        // VALE_LIST writes the name into a copy of the header, copied back always.
        let headerCopy = UnsafeMutablePointer<nmreq_header>.allocate(capacity: 1)
        defer { headerCopy.deallocate() }
        headerCopy.initialize(to: header.pointee)

        let holder = "\(getpid()):\(fd)"
        var newBinding: VALEKernelBinding?
        try transact { state throws(Errno) in
            var mode: UInt32?
            var renamed = false
            let result = Result { () throws(Errno) in
                switch type {
                case .register:
                    if bound { throw .resourceBusy }
                    newBinding = try state.register(name, body: scratch, holder: holder, renamed: &renamed)
                case .portInfoGet: try state.portInfo(name, body: scratch, renamed: &renamed)
                case .valeAttach: mode = try state.attach(name, body: scratch)
                case .valeDetach: try state.detach(name, body: scratch)
                case .valeList: try state.list(name, body: scratch, header: headerCopy)
                case .portHeaderSet: try state.setHeaderLength(name, body: scratch)
                case .portHeaderGet: try state.getHeaderLength(name, body: scratch)
                case .valeNewInterface: try state.newInterface(name, body: scratch)
                case .valeDeleteInterface: try state.deleteInterface(name)
                case .valePollingEnable: mode = try state.polling(name, enable: true, body: scratch)
                case .valePollingDisable: try _ = state.polling(name, enable: false, body: scratch)
                case .poolsInfoGet: try state.poolsInfo(name, body: scratch)
                case .syncKloopStart, .syncKloopStop, .csbEnable: throw .invalidArgument
                }
            }
            if Self.loggedTypes.contains(type) || renamed {
                if type == .valeAttach, mode == nil, bodySize > 0 {
                    mode = scratch.load(fromByteOffset: MemoryLayout<nmreq_register>.offset(of: \.nr_mode)!, as: UInt32.self)
                }
                let errno: Int32
                switch result {
                case .success: errno = 0
                case .failure(let error): errno = error.rawValue
                }
                state.calls.append(.init(sequence: (state.calls.last?.sequence ?? 0) + 1, pid: getpid(),
                                         request: type, name: name, errno: errno, mode: mode))
            }
            try result.get()
        }
        if let newBinding { descriptors.withLock { $0[fd] = .some(newBinding) } }
        if let userBody, bodySize > 0 { userBody.copyMemory(from: scratch, byteCount: bodySize) }
        withUnsafeBytes(of: headerCopy.pointee.nr_name) { source in
            withUnsafeMutableBytes(of: &header.pointee.nr_name) { $0.copyMemory(from: source) }
        }
    }
}
