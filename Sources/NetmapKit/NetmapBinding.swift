#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A file descriptor on `/dev/netmap` bound to a port by REGISTER, without
/// mapping the shared region: what a process needs to keep a port alive
/// (a netmap pipe, NETMAP-API.md 4.5 and 7.10) or to hand the bound
/// descriptor to another process, which then maps it itself.
///
/// `open("/dev/netmap")` + `ioctl(NIOCCTRL, NETMAP_REQ_REGISTER)`, through
/// the syscall seam; ``close()`` unbinds. Safe to share between threads:
/// the descriptor never changes and closing is guarded.
public final class NetmapBinding: Sendable {
    /// The `nr_name` the descriptor was registered with.
    public let name: String
    /// What REGISTER returned.
    public let registration: RegisterResult
    /// The bound descriptor.
    public let fileDescriptor: Int32
    let systemCalls: any NetmapSystemCalls
    private let closed = Mutex(false)

    /// Opens the device and registers `name` with `request`. Errors name the
    /// port and explain the errno as for ``NetmapPort``.
    public init(_ name: String, request: RegisterRequest = RegisterRequest(), devicePath: String = Netmap.devicePath,
                systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls()) throws(NetmapError) {
        let fd: Int32
        do { fd = try systemCalls.open(devicePath, flags: O_RDWR) } catch {
            throw NetmapError(kind: .deviceUnavailable, request: nil, portName: devicePath, errno: error)
        }
        do {
            registration = try NetmapPort.register(fd: fd, name: name, request: request, systemCalls: systemCalls)
        } catch {
            try? systemCalls.close(fd)
            throw error
        }
        self.name = name
        self.fileDescriptor = fd
        self.systemCalls = systemCalls
    }

    deinit { close() }

    /// True until ``close()``.
    public var isOpen: Bool { !closed.withLock { $0 } }

    /// `close(2)`: unbinds the port (a pipe goes away when no one else holds it).
    public func close() {
        let wasOpen = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        if wasOpen { try? systemCalls.close(fileDescriptor) }
    }
}
