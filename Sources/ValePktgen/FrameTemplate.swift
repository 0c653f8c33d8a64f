/// The frame `vale-pktgen` sends: Ethernet + IPv4 + UDP, padded to the
/// requested length, like pkt-gen's default packet (60 bytes, no FCS).
struct FrameTemplate: Sendable, Equatable {
    static let headerLength = 14 + 20 + 8
    /// Smallest frame: the headers, padded to Ethernet's 60-byte minimum.
    static let minimumLength = 60

    var bytes: [UInt8]

    /// A UDP datagram from `source` to `destination` (MAC, IPv4, port),
    /// `length` bytes on the wire without FCS; the payload is zeros.
    init(length: Int, sourceMAC: [UInt8], destinationMAC: [UInt8], sourceIP: [UInt8], destinationIP: [UInt8],
         sourcePort: UInt16 = 1234, destinationPort: UInt16 = 4321) {
        precondition(sourceMAC.count == 6 && destinationMAC.count == 6 && sourceIP.count == 4 && destinationIP.count == 4)
        let length = max(length, Self.minimumLength)
        var b = [UInt8](repeating: 0, count: length)
        b.replaceSubrange(0..<6, with: destinationMAC)
        b.replaceSubrange(6..<12, with: sourceMAC)
        b[12] = 0x08; b[13] = 0x00
        let ipLength = UInt16(length - 14)
        // IPv4: version 4, IHL 5, TTL 64, protocol UDP, no fragments.
        b[14] = 0x45
        b[16] = UInt8(ipLength >> 8); b[17] = UInt8(ipLength & 0xff)
        b[20] = 0x40  // don't fragment
        b[22] = 64
        b[23] = 17
        b.replaceSubrange(26..<30, with: sourceIP)
        b.replaceSubrange(30..<34, with: destinationIP)
        let checksum = Self.internetChecksum(b[14..<34])
        b[24] = UInt8(checksum >> 8); b[25] = UInt8(checksum & 0xff)
        let udpLength = UInt16(length - 34)
        b[34] = UInt8(sourcePort >> 8); b[35] = UInt8(sourcePort & 0xff)
        b[36] = UInt8(destinationPort >> 8); b[37] = UInt8(destinationPort & 0xff)
        b[38] = UInt8(udpLength >> 8); b[39] = UInt8(udpLength & 0xff)
        // UDP checksum 0: "not computed", legal over IPv4 (pkt-gen does the same).
        bytes = b
    }

    /// RFC 1071 one's-complement sum of 16-bit words.
    static func internetChecksum(_ data: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var index = data.startIndex
        while index + 1 < data.endIndex {
            sum += UInt32(data[index]) << 8 | UInt32(data[index + 1])
            index += 2
        }
        if index < data.endIndex { sum += UInt32(data[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
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
