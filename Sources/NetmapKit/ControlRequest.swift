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
            header.nr_version = Netmap.apiVersion
            header.nr_reqtype = type.rawValue
            header.nr_reserved = 0
            withUnsafeMutableBytes(of: &header.nr_name) { raw in
                for (index, byte) in name.utf8.enumerated() { raw[index] = byte }
            }
            header.nr_options = 0
            header.nr_body = type.bodySize == 0 ? 0 : bodyAddress
        }
    }

    /// Writes the header into `header` (which must be 88 bytes) without allocating.
    func writeHeader(into header: UnsafeMutablePointer<nmreq_header>, bodyAddress: UInt64) {
        UnsafeMutableRawPointer(header).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<nmreq_header>.size)
        header.pointee.nr_version = Netmap.apiVersion
        header.pointee.nr_reqtype = type.rawValue
        header.pointee.nr_reserved = 0
        withUnsafeMutableBytes(of: &header.pointee.nr_name) { raw in
            for (index, byte) in name.utf8.enumerated() { raw[index] = byte }
        }
        header.pointee.nr_body = type.bodySize == 0 ? 0 : bodyAddress
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

    /// The string in a NUL-terminated fixed C char array.
    public static func string<Tuple>(fromCharArray tuple: Tuple) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let end = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }
}
