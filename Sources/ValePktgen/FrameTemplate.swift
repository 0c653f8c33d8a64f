import NetmapKit

/// The frame `vale-pktgen` sends: Ethernet + IPv4 + UDP, padded to the
/// requested length, like pkt-gen's default packet (60 bytes, no FCS).
struct FrameTemplate: Sendable, Equatable {
    static let headerLength = 14 + 20 + 8
    /// Smallest frame: the headers, padded to Ethernet's 60-byte minimum.
    static let minimumLength = 60

    var bytes: [UInt8]

    /// A UDP datagram from `source` to `destination` (MAC, IPv4, port),
    /// `length` bytes on the wire without FCS; the payload is zeros. Built by
    /// NetmapKit's ``UDPTestFrame`` (valid IPv4 checksum, UDP checksum 0).
    init(length: Int, sourceMAC: [UInt8], destinationMAC: [UInt8], sourceIP: [UInt8], destinationIP: [UInt8],
         sourcePort: UInt16 = 1234, destinationPort: UInt16 = 4321) {
        bytes = UDPTestFrame(destinationMAC: destinationMAC, sourceMAC: sourceMAC, sourceIP: sourceIP, destinationIP: destinationIP,
                             sourcePort: sourcePort, destinationPort: destinationPort, length: length).bytes()
    }

    /// Parses `aa:bb:cc:dd:ee:ff`.
    static func mac(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":")
        guard parts.count == 6 else { return nil }
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        return bytes.count == 6 ? bytes : nil
    }

    /// Parses dotted-quad IPv4.
    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
