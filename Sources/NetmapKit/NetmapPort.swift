#if canImport(Glibc)
import Glibc
#endif
import CNetmap

/// A port opened for its rings: `open("/dev/netmap")`, REGISTER, `mmap` of the
/// shared region, and the walk `netmap_if` → rings → slots → buffers
/// (NETMAP-API.md 1.3, 1.4, 2.2.13), all through the syscall seam.
///
/// Safety: the mapping lives as long as the port is open; ``NetmapRing``
/// values keep their port alive, every offset read from shared memory is
/// checked against the region before use, and packet buffers are only lent
/// to closures (``NetmapRing/withBuffer(slot:_:)``), so no raw pointer
/// outlives the mapping. Using a ring after ``close()`` is a programming
/// error and stops the program, like an out-of-range array index.
///
/// A port is not thread-safe: use it from one thread (netmap's own rule:
/// one thread per ring).
public final class NetmapPort {
    /// The `nr_name` the port was registered with.
    public let name: String
    /// What REGISTER returned (sizes, counts, memory region).
    public let registration: RegisterResult
    /// The seam.
    public let systemCalls: any NetmapSystemCalls
    /// The bound file descriptor.
    public let fileDescriptor: Int32
    private var region: UnsafeMutableRawPointer?
    let regionSize: Int
    let interfaceOffset: Int
    /// Hardware TX/RX rings and host TX/RX rings as `netmap_if` reports them.
    public let txRingCount: Int, rxRingCount: Int, hostTXRingCount: Int, hostRXRingCount: Int

    /// Opens `name` (a ``PortName``) with the mode, ring, flags and region it asks for.
    public convenience init(_ name: PortName, devicePath: String = Netmap.devicePath,
                            systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls()) throws(NetmapError) {
        try self.init(name.kernelName, request: RegisterRequest(name), devicePath: devicePath, systemCalls: systemCalls)
    }

    /// Opens the raw port name `name` with `request`.
    public convenience init(_ name: String, request: RegisterRequest = RegisterRequest(), devicePath: String = Netmap.devicePath,
                            systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls()) throws(NetmapError) {
        let fd: Int32
        do { fd = try systemCalls.open(devicePath, flags: O_RDWR) } catch {
            throw NetmapError(kind: .deviceUnavailable, request: nil, portName: devicePath, errno: error)
        }
        let registration: RegisterResult
        do { registration = try Self.register(fd: fd, name: name, request: request, systemCalls: systemCalls) } catch {
            try? systemCalls.close(fd)
            throw error
        }
        try self.init(adopting: fd, name: name, registration: registration, systemCalls: systemCalls)
    }

    /// Maps a descriptor that is already bound to a port — one received from
    /// another process (valed hands out pipe ends this way) — using the
    /// region size and `netmap_if` offset its REGISTER returned. No NIOCCTRL
    /// is sent. The port takes ownership of `fd`: it is closed by
    /// ``close()``, and also when mapping fails.
    public convenience init(adopting fd: Int32, name: String, memorySize: UInt64, interfaceOffset: UInt64,
                            systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls()) throws(NetmapError) {
        var reg = nmreq_register()
        reg.nr_memsize = memorySize
        reg.nr_offset = interfaceOffset
        try self.init(adopting: fd, name: name, registration: RegisterResult(reg), systemCalls: systemCalls)
    }

    /// `mmap` of the region of the bound `fd` and the walk of its `netmap_if`.
    init(adopting fd: Int32, name: String, registration: RegisterResult, systemCalls: any NetmapSystemCalls) throws(NetmapError) {
        self.name = name
        self.systemCalls = systemCalls
        var mapped: UnsafeMutableRawPointer?
        var size = 0
        do throws(NetmapError) {
            size = Int(clamping: registration.memorySize)
            guard size > 0, registration.interfaceOffset < registration.memorySize else {
                throw NetmapError(kind: .mapping, request: .register, portName: name, errno: nil,
                                  detail: "the kernel reported an interface at \(registration.interfaceOffset) in a region of \(size) bytes")
            }
            do {
                mapped = try systemCalls.mmap(length: size, protection: PROT_READ | PROT_WRITE, flags: MAP_SHARED, fd: fd, offset: 0)
            } catch {
                throw NetmapError(kind: .mapping, request: .register, portName: name, errno: error)
            }
            let base = mapped!
            let ifOffset = Int(registration.interfaceOffset)
            let layout = Self.interfaceLayout
            guard ifOffset + layout.ringOffsets <= size, ifOffset % 8 == 0 else {
                throw NetmapError(kind: .mapping, request: .register, portName: name, errno: nil, detail: "netmap_if lies outside the region")
            }
            func field(_ offset: Int) -> Int { Int(base.load(fromByteOffset: ifOffset + offset, as: UInt32.self)) }
            let tx = field(layout.txRings), rx = field(layout.rxRings)
            let hostTX = field(layout.hostTXRings), hostRX = field(layout.hostRXRings)
            let total = tx + rx + hostTX + hostRX
            guard total <= 4 * 1024, ifOffset + layout.ringOffsets + 8 * total <= size else {
                throw NetmapError(kind: .mapping, request: .register, portName: name, errno: nil, detail: "ring offset table lies outside the region")
            }
            self.registration = registration
            self.fileDescriptor = fd
            self.region = base
            self.regionSize = size
            self.interfaceOffset = ifOffset
            self.txRingCount = tx
            self.rxRingCount = rx
            self.hostTXRingCount = hostTX
            self.hostRXRingCount = hostRX
        } catch {
            if let mapped { try? systemCalls.munmap(mapped, length: size) }
            try? systemCalls.close(fd)
            throw error
        }
    }

    deinit { close() }

    static func register(fd: Int32, name: String, request: RegisterRequest, systemCalls: any NetmapSystemCalls) throws(NetmapError) -> RegisterResult {
        let response = try NetmapControlRequest.register(name, request).send(on: fd, through: systemCalls).get()
        return RegisterResult(NetmapEncoding.load(nmreq_register.self, from: response.body))
    }

    /// True until ``close()``.
    public var isOpen: Bool { region != nil }

    /// Unmaps the region and closes the fd (unbinding the port; an ephemeral
    /// VALE port goes away if this was its last user).
    public func close() {
        guard let region else { return }
        self.region = nil
        try? systemCalls.munmap(region, length: regionSize)
        try? systemCalls.close(fileDescriptor)
    }

    /// `ni_name` of the `netmap_if`.
    public var interfaceName: String {
        let base = mappedBase()
        let bytes = UnsafeRawBufferPointer(start: base + interfaceOffset, count: 16)
        let end = bytes.firstIndex(of: 0) ?? 16
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// TX ring `index` (hardware rings first, then host rings), or nil when this
    /// fd did not bind it (offset 0) or the index is out of range.
    public func txRing(_ index: Int) -> NetmapRing? {
        guard index >= 0, index < txRingCount + hostTXRingCount else { return nil }
        return ring(tableIndex: index)
    }

    /// RX ring `index` (hardware rings first, then host rings), or nil when unbound.
    public func rxRing(_ index: Int) -> NetmapRing? {
        guard index >= 0, index < rxRingCount + hostRXRingCount else { return nil }
        return ring(tableIndex: index + txRingCount + hostTXRingCount)
    }

    func ring(tableIndex: Int) -> NetmapRing? {
        let base = mappedBase()
        let ofs = base.load(fromByteOffset: interfaceOffset + Self.interfaceLayout.ringOffsets + 8 * tableIndex, as: Int64.self)
        guard ofs != 0 else { return nil }
        let ringOffset = interfaceOffset + Int(ofs)
        guard ringOffset >= 0, ringOffset % 8 == 0, ringOffset + NetmapRing.Layout.slots <= regionSize else { return nil }
        let slots = Int(base.load(fromByteOffset: ringOffset + NetmapRing.Layout.numSlots, as: UInt32.self))
        guard slots > 0, ringOffset + NetmapRing.Layout.slots + slots * MemoryLayout<netmap_slot>.size <= regionSize else { return nil }
        return NetmapRing(port: self, offset: ringOffset, slotCount: slots)
    }

    /// `ioctl(fd, NIOCTXSYNC)`: hands slots `[old head, head)` of every bound TX ring to the kernel.
    public func txSync() throws(NetmapError) { try sync(Netmap.NIOCTXSYNC) }

    /// `ioctl(fd, NIOCRXSYNC)`: refreshes `tail` of every bound RX ring.
    public func rxSync() throws(NetmapError) { try sync(Netmap.NIOCRXSYNC) }

    private func sync(_ request: UInt) throws(NetmapError) {
        precondition(isOpen, "NetmapPort used after close()")
        do { _ = try systemCalls.ioctl(fileDescriptor, request: request, argument: nil) } catch {
            throw NetmapError(kind: .sync, request: nil, portName: name, errno: error,
                              detail: request == Netmap.NIOCTXSYNC ? "NIOCTXSYNC" : "NIOCRXSYNC")
        }
    }

    /// `poll(2)` on the port for `events` (`POLLIN`, `POLLOUT`); returns `revents`
    /// (0 on timeout). `POLLERR` means the fd is unbound or the device is gone.
    public func poll(events: Int16, timeout milliseconds: Int32) throws(NetmapError) -> Int16 {
        precondition(isOpen, "NetmapPort used after close()")
        var descriptor = pollfd(fd: fileDescriptor, events: events, revents: 0)
        do {
            _ = try withUnsafeMutablePointer(to: &descriptor) { pointer throws(Errno) in
                try systemCalls.poll(UnsafeMutableBufferPointer(start: pointer, count: 1), timeout: milliseconds)
            }
        } catch {
            throw NetmapError(kind: .sync, request: nil, portName: name, errno: error, detail: "poll")
        }
        return descriptor.revents
    }

    func mappedBase() -> UnsafeMutableRawPointer {
        guard let region else { preconditionFailure("NetmapPort \(name) used after close()") }
        return region
    }

    /// Offsets in `struct netmap_if`, from our declaration.
    static let interfaceLayout = (
        txRings: MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_tx_rings)!,
        rxRings: MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_rx_rings)!,
        hostTXRings: MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_host_tx_rings)!,
        hostRXRings: MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_host_rx_rings)!,
        ringOffsets: Int(cnetmap_offsetof_netmap_if_ring_ofs())
    )
}

@available(*, unavailable)
extension NetmapPort: Sendable {}
