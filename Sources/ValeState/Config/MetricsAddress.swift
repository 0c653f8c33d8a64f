import Foundation

/// Where the metrics endpoint listens: an IP literal and a TCP port
/// (`127.0.0.1:9464`, `[::1]:9464`). Only loopback addresses are served
/// unless remote scraping was allowed explicitly.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `host:port`; the host must be a numeric IPv4 or IPv6 address.
    public init(parsing text: String) throws(MetricsAddressError) {
        let host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw MetricsAddressError("'\(text)' is not [IPv6]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw MetricsAddressError("'\(text)' is not address:port (write IPv6 addresses as [::1]:9464)")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw MetricsAddressError("'\(port)' in '\(text)' is not a TCP port (1-65535)")
        }
        guard Self.family(of: String(host)) != nil else {
            throw MetricsAddressError("'\(host)' in '\(text)' is not a numeric IPv4 or IPv6 address")
        }
        self.host = String(host)
        self.port = number
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// 127.0.0.0/8 or ::1 (an IPv4-mapped loopback too).
    public var isLoopback: Bool {
        switch Self.family(of: host) {
        case AF_INET?:
            var a = in_addr()
            inet_pton(AF_INET, host, &a)
            return UInt32(bigEndian: a.s_addr) >> 24 == 127
        case AF_INET6?:
            var a = in6_addr()
            inet_pton(AF_INET6, host, &a)
            let bytes = withUnsafeBytes(of: a) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            return mapped && bytes[12] == 127
        default:
            return false
        }
    }

    /// Refuses a non-loopback address unless `allowRemote`.
    public func checked(allowRemote: Bool) throws(MetricsAddressError) -> MetricsAddress {
        guard isLoopback || allowRemote else {
            throw MetricsAddressError("""
                refusing to serve metrics on \(self): it is not a loopback address, and valed's counters \
                would be readable from other hosts; pass --metrics-allow-remote (or `allow-remote: true` \
                under `metrics:` in the configuration) to allow it
                """)
        }
        return self
    }

    private static func family(of host: String) -> Int32? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return AF_INET }
        if inet_pton(AF_INET6, host, &v6) == 1 { return AF_INET6 }
        return nil
    }
}

/// A metrics address that cannot be used, as a sentence.
public struct MetricsAddressError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}
