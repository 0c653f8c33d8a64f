#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as bytes (inet_pton): netlink attributes (ValeLink)
/// and the remotes of a tunnel in the desired state (ValeState) use this one type.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let family: Int32
    public let bytes: [UInt8]

    /// nil unless `text` is a numeric IPv4 or IPv6 address.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            family = AF_INET
            bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            family = AF_INET6
            bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    /// nil unless `bytes` has the length of `family` (AF_INET: 4, AF_INET6: 16).
    public init?(family: Int32, bytes: [UInt8]) {
        guard (family == AF_INET && bytes.count == 4) || (family == AF_INET6 && bytes.count == 16) else { return nil }
        self.family = family; self.bytes = bytes
    }

    public var isIPv6: Bool { family == AF_INET6 }
    /// 224.0.0.0/4 or ff00::/8: a VXLAN group, not a remote.
    public var isMulticast: Bool { isIPv6 ? bytes[0] == 0xff : (bytes[0] & 0xf0) == 0xe0 }
    /// 0.0.0.0 or ::.
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// The canonical text (inet_ntop), so "2001:db8::0:1" and "2001:db8::1" compare equal.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        return bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)).map { String(cString: $0) } ?? "?"
        }
    }
}
