#if canImport(Glibc)
import Glibc
#endif
import CNetmap
import Synchronization

/// A control connection to netmap: one open fd of `/dev/netmap` on which
/// typed `NIOCCTRL` requests are issued (NETMAP-API.md 1.1, 1.2, section 3).
///
/// Every request sends API version 14 with `nr_reserved` zeroed (a fresh
/// header per call, 3.0), accepts 14...15 back, and reads the body only when
/// the ioctl succeeded. Control requests need no bound fd, so one
/// `NetmapControl` serves any number of them, from any thread (one at a time: a close() never races an ioctl).
public final class NetmapControl: Sendable {
    /// The device path that was opened.
    public let devicePath: String
    /// The syscall seam used for every call.
    public let systemCalls: any NetmapSystemCalls
    private let descriptor: Mutex<Int32?>

    /// Opens the control device (`open(path, O_RDWR)`).
    ///
    /// Throws ``NetmapError`` of kind `.deviceUnavailable`; `isDeviceAbsent`
    /// tells the "module not loaded" case (`ENOENT`) apart.
    public init(devicePath: String = Netmap.devicePath,
                systemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls()) throws(NetmapError) {
        self.devicePath = devicePath
        self.systemCalls = systemCalls
        do {
            let fd = try systemCalls.open(devicePath, flags: O_RDWR)
            descriptor = Mutex(fd)
        } catch {
            throw NetmapError(kind: .deviceUnavailable, request: nil, portName: devicePath, errno: error)
        }
    }

    deinit {
        if let fd = descriptor.withLock({ $0 }) { try? systemCalls.close(fd) }
    }

    /// The open file descriptor, or nil after ``close()``.
    public var fileDescriptor: Int32? { descriptor.withLock { $0 } }

    /// Closes the fd (`close(2)`); later requests fail with kind `.closed`.
    public func close() throws(NetmapError) {
        let outcome: Result<Void, Errno>? = descriptor.withLock { value in
            guard let fd = value else { return nil }
            value = nil
            return Result { () throws(Errno) in try systemCalls.close(fd) }
        }
        if case .failure(let error)? = outcome {
            throw NetmapError(kind: .deviceUnavailable, request: nil, portName: devicePath, errno: error)
        }
    }

    /// The outcome of a successful request: the header's `nr_name` as the kernel
    /// wrote it back and the body bytes.
    public struct Response: Sendable, Hashable {
        /// `nr_name` after the call (VALE_LIST enumeration writes the port name here).
        public var name: String
        /// The body after the call.
        public var body: [UInt8]
    }

    /// Sends one `NIOCCTRL` request. On failure throws ``NetmapError`` with the
    /// request, name and errno; the body the kernel may have touched is discarded.
    public func perform(_ request: NetmapControlRequest) throws(NetmapError) -> Response {
        // The lock is held across the ioctl so that a concurrent close() cannot
        // free the fd number (and let it be reused) while a request is in flight.
        let outcome = descriptor.withLock { fd in fd.map { request.send(on: $0, through: systemCalls) } }
        guard let outcome else {
            throw NetmapError(kind: .closed, request: request.type, portName: request.name, errno: nil)
        }
        return try outcome.get()
    }

    // MARK: Typed requests

    /// `NETMAP_REQ_REGISTER`: binds *this* fd to `name` (3.1). A control
    /// connection bound this way stays usable for other requests; use
    /// ``NetmapPort`` to open a port for its rings.
    public func register(_ name: String, _ config: RegisterRequest = RegisterRequest()) throws(NetmapError) -> RegisterResult {
        let response = try perform(.register(name, config))
        return RegisterResult(NetmapEncoding.load(nmreq_register.self, from: response.body))
    }

    /// `NETMAP_REQ_PORT_INFO_GET` (3.2). An empty name describes memory region
    /// `memoryRegion`. Beware the rename trap: never query an attached
    /// persistent interface (7.11).
    public func portInfo(_ name: String, memoryRegion: UInt16 = 0) throws(NetmapError) -> PortInfo {
        let response = try perform(.portInfo(name, memoryRegion: memoryRegion))
        return PortInfo(NetmapEncoding.load(nmreq_port_info_get.self, from: response.body))
    }

    /// `NETMAP_REQ_VALE_ATTACH` of `valeX:IF` (3.3): mode 1, or 3 with the host
    /// stack as port `valeX:IF^`. Returns the port index (switch slot).
    public func attach(_ name: String, hostStack: Bool = false, memoryRegion: UInt16 = 0) throws(NetmapError) -> Int {
        let response = try perform(.attach(name, hostStack: hostStack, memoryRegion: memoryRegion))
        return Int(NetmapEncoding.load(nmreq_vale_attach.self, from: response.body).port_index)
    }

    /// `NETMAP_REQ_VALE_DETACH` of `valeX:IF` (3.4). Returns the slot the port occupied.
    public func detach(_ name: String) throws(NetmapError) -> Int {
        let response = try perform(.detach(name))
        return Int(NetmapEncoding.load(nmreq_vale_detach.self, from: response.body).port_index)
    }

    /// `NETMAP_REQ_VALE_LIST` enumeration (3.5): every port of every switch of
    /// the caller's namespace, in slot order, until the kernel answers `ENOENT`.
    public func list() throws(NetmapError) -> [VALEListEntry] {
        var entries: [VALEListEntry] = []
        var bridge: UInt16 = 0
        var port: UInt32 = 0
        while true {
            let response: Response
            do {
                response = try perform(.list("", bridgeIndex: bridge, portIndex: port))
            } catch where error.errno == .noSuchFileOrDirectory && error.kind == .requestFailed {
                return entries
            }
            let body = NetmapEncoding.load(nmreq_vale_list.self, from: response.body)
            // The kernel answers the first occupied slot at or after the cursor;
            // anything else would loop forever.
            guard (body.nr_bridge_idx, body.nr_port_idx) >= (bridge, port) else {
                throw NetmapError(kind: .apiMismatch, request: .valeList, portName: "", errno: nil,
                                  detail: "the kernel answered slot \(body.nr_bridge_idx):\(body.nr_port_idx) before the cursor \(bridge):\(port)")
            }
            entries.append(VALEListEntry(name: response.name, bridgeIndex: Int(body.nr_bridge_idx), portIndex: Int(body.nr_port_idx)))
            bridge = body.nr_bridge_idx
            port = body.nr_port_idx + 1
        }
    }

    /// `NETMAP_REQ_VALE_LIST` lookup of `valeX:P` (3.5). Returns nil as the port
    /// index when the switch exists without that port (kernel answer 255);
    /// throws `ENOENT` when the switch does not exist.
    public func lookup(_ name: String) throws(NetmapError) -> VALELookup {
        let response = try perform(.list(name))
        let body = NetmapEncoding.load(nmreq_vale_list.self, from: response.body)
        let port = body.nr_port_idx == Netmap.noPortIndex ? nil : Int(body.nr_port_idx)
        return VALELookup(bridgeIndex: Int(body.nr_bridge_idx), portIndex: port)
    }

    /// `NETMAP_REQ_PORT_HDR_SET` (3.6): virtio-net header length 0, 10 or 12.
    public func setHeaderLength(_ name: String, _ length: UInt32) throws(NetmapError) {
        _ = try perform(.setHeaderLength(name, length))
    }

    /// `NETMAP_REQ_PORT_HDR_GET` (3.6).
    public func getHeaderLength(_ name: String) throws(NetmapError) -> UInt32 {
        let response = try perform(.getHeaderLength(name))
        return NetmapEncoding.load(nmreq_port_hdr.self, from: response.body).nr_hdr_len
    }

    /// `NETMAP_REQ_VALE_NEWIF` (3.7): creates the persistent interface (a netdev)
    /// `name`; returns the configuration the kernel actually used.
    public func newInterface(_ name: String, _ config: NewInterfaceConfig = NewInterfaceConfig()) throws(NetmapError) -> NewInterfaceConfig {
        let response = try perform(.newInterface(name, config))
        return NewInterfaceConfig(NetmapEncoding.load(nmreq_vale_newif.self, from: response.body))
    }

    /// `NETMAP_REQ_VALE_DELIF` (3.8), sent with `nr_body` = 0.
    public func deleteInterface(_ name: String) throws(NetmapError) {
        _ = try perform(.deleteInterface(name))
    }

    /// `NETMAP_REQ_VALE_POLLING_ENABLE` on the attached NIC `valeX:IF` (3.9).
    /// The kernel does not check that the CPUs exist: validate them first.
    public func enablePolling(_ name: String, _ mode: PollingMode) throws(NetmapError) {
        _ = try perform(.enablePolling(name, mode))
    }

    /// `NETMAP_REQ_VALE_POLLING_DISABLE` on `valeX:IF` (3.9).
    public func disablePolling(_ name: String) throws(NetmapError) {
        _ = try perform(.disablePolling(name))
    }

    /// `NETMAP_REQ_POOLS_INFO_GET` (3.10).
    public func poolsInfo(_ name: String, memoryRegion: UInt16 = 0) throws(NetmapError) -> PoolsInfo {
        let response = try perform(.poolsInfo(name, memoryRegion: memoryRegion))
        return PoolsInfo(NetmapEncoding.load(nmreq_pools_info.self, from: response.body))
    }
}
