import CNetmap

/// One `NIOCCTRL` request before it is sent: its type, `nr_name` and the
/// exact body bytes (NETMAP-API.md 1.2, 2.2).
///
/// Building requests is separate from sending them so that encoding can be
/// tested and benchmarked without a kernel.
public struct NetmapControlRequest: Sendable, Hashable {
    /// `nr_reqtype`.
    public let type: NetmapRequestType
    /// `nr_name` (at most 63 bytes; empty for enumeration and region queries).
    public let name: String
    /// The body bytes `nr_body` will point to; empty for DELIF.
    public var body: [UInt8]

    /// Creates a request; rejects names that cannot fit `nr_name` or contain NUL,
    /// and bodies whose size is not the one the kernel expects for `type`.
    public init(type: NetmapRequestType, name: String, body: [UInt8]) throws(NetmapError) {
        let utf8 = Array(name.utf8)
        if utf8.count > Netmap.maxRequestNameLength {
            throw NetmapError(kind: .invalidName, request: type, portName: name, errno: nil,
                              detail: "the name is \(utf8.count) bytes long; netmap keeps at most \(Netmap.maxRequestNameLength)")
        }
        if utf8.contains(0) {
            throw NetmapError(kind: .invalidName, request: type, portName: name, errno: nil,
                              detail: "the name contains a NUL byte")
        }
        precondition(body.count == type.bodySize, "body of \(type) must be \(type.bodySize) bytes")
        self.type = type
        self.name = name
        self.body = body
    }

    /// The 88 bytes of `struct nmreq_header` for this request: version 14,
    /// `nr_reserved` 0, the name NUL-padded, no options, `nr_body` = `bodyAddress`
    /// (0 for DELIF).
    public func headerBytes(bodyAddress: UInt64) -> [UInt8] {
        NetmapEncoding.bytes(of: nmreq_header.self) { header in
            withUnsafeMutablePointer(to: &header) { writeHeader(into: $0, bodyAddress: bodyAddress) }
        }
    }

    /// Writes the header into `header` (which must be 88 bytes) without allocating.
    func writeHeader(into header: UnsafeMutablePointer<nmreq_header>, bodyAddress: UInt64) {
        UnsafeMutableRawPointer(header).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<nmreq_header>.size)
        header.pointee.nr_version = Netmap.apiVersion
        header.pointee.nr_reqtype = type.rawValue
        header.pointee.nr_reserved = 0
        NetmapEncoding.storeName(name, into: header)
        header.pointee.nr_body = type.bodySize == 0 ? 0 : bodyAddress
    }

    /// Sends the request on `fd`: copies the body into an 8-aligned buffer,
    /// builds a fresh header (so `nr_reserved` is 0), calls `ioctl(NIOCCTRL)`,
    /// checks the answered version and returns name and body only on success.
    /// NetmapControl and NetmapPort both send through here.
    func send(on fd: Int32, through systemCalls: any NetmapSystemCalls) -> Result<NetmapControl.Response, NetmapError> {
        let bodyCount = body.count
        let bodyBuffer = UnsafeMutableRawPointer.allocate(byteCount: max(bodyCount, 8), alignment: 8)
        defer { bodyBuffer.deallocate() }
        body.withUnsafeBytes { source in
            if bodyCount > 0 { bodyBuffer.copyMemory(from: source.baseAddress!, byteCount: bodyCount) }
        }
        let header = UnsafeMutablePointer<nmreq_header>.allocate(capacity: 1)
        defer { header.deallocate() }
        writeHeader(into: header, bodyAddress: UInt64(UInt(bitPattern: bodyBuffer)))
        do {
            _ = try systemCalls.ioctl(fd, request: Netmap.NIOCCTRL, argument: UnsafeMutableRawPointer(header))
        } catch {
            return .failure(.requestFailed(type, portName: name, errno: error))
        }
        let version = header.pointee.nr_version
        guard Netmap.acceptedAPIVersions.contains(version) else {
            return .failure(NetmapError(kind: .apiMismatch, request: type, portName: name, errno: nil,
                                        detail: "the kernel answered with netmap API version \(version); valed speaks 14 and 15"))
        }
        return .success(NetmapControl.Response(
            name: NetmapEncoding.string(fromCharArray: header.pointee.nr_name),
            body: [UInt8](UnsafeRawBufferPointer(start: bodyBuffer, count: bodyCount))))
    }
}

/// Byte-level helpers shared by the request builders.
public enum NetmapEncoding {
    /// Zeroed bytes of a C struct with `fill` applied, so padding and holes stay 0.
    public static func bytes<T>(of type: T.Type, _ fill: (inout T) -> Void) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: MemoryLayout<T>.size)
        bytes.withUnsafeMutableBytes { raw in
            // Array storage is 16-byte aligned on Linux; the structs need at most 8.
            let typed = raw.baseAddress!.bindMemory(to: T.self, capacity: 1)
            fill(&typed.pointee)
        }
        return bytes
    }

    /// Reads a C struct out of `bytes` (which must be at least its size).
    public static func load<T>(_ type: T.Type, from bytes: [UInt8]) -> T {
        precondition(bytes.count >= MemoryLayout<T>.size)
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// Writes `name` NUL-padded into `nr_name` (at most 63 bytes; the rest is zeroed).
    public static func storeName(_ name: String, into header: UnsafeMutablePointer<nmreq_header>) {
        withUnsafeMutableBytes(of: &header.pointee.nr_name) { raw in
            for index in raw.indices { raw[index] = 0 }
            for (index, byte) in name.utf8.prefix(Netmap.maxRequestNameLength).enumerated() { raw[index] = byte }
        }
    }

    /// The string in a NUL-terminated fixed C char array.
    public static func string<Tuple>(fromCharArray tuple: Tuple) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let end = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }
}
