/// Ethernet/IPv4/UDP frames like netmap's `pkt-gen` sends: fixed addresses,
/// a valid IPv4 header checksum, UDP checksum 0 (allowed for IPv4), padded to
/// the requested size (60 bytes minimum, the Ethernet minimum without FCS).
public struct UDPTestFrame: Sendable, Hashable {
    /// Destination and source MAC addresses.
    public var destinationMAC: [UInt8], sourceMAC: [UInt8]
    /// Source and destination IPv4 addresses.
    public var sourceIP: [UInt8], destinationIP: [UInt8]
    /// UDP ports.
    public var sourcePort: UInt16, destinationPort: UInt16
    /// Whole frame length in bytes (without FCS), at least 60.
    public var length: Int

    /// pkt-gen's defaults: broadcast destination, 10.0.0.1:1234 → 10.1.0.1:4321, 60 bytes.
    public init(destinationMAC: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                sourceMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01],
                sourceIP: [UInt8] = [10, 0, 0, 1], destinationIP: [UInt8] = [10, 1, 0, 1],
                sourcePort: UInt16 = 1234, destinationPort: UInt16 = 4321, length: Int = 60) {
        precondition(destinationMAC.count == 6 && sourceMAC.count == 6 && sourceIP.count == 4 && destinationIP.count == 4)
        self.destinationMAC = destinationMAC
        self.sourceMAC = sourceMAC
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = max(length, 60)
    }

    /// The frame's bytes; `sequence` is written into the first 4 payload bytes
    /// (big-endian) so a receiver can spot loss and reordering.
    public func bytes(sequence: UInt32 = 0) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: length)
        frame.replaceSubrange(0..<6, with: destinationMAC)
        frame.replaceSubrange(6..<12, with: sourceMAC)
        frame[12] = 0x08; frame[13] = 0x00  // IPv4
        let ipLength = length - 14
        let ip: [UInt8] = [
            0x45, 0x00, UInt8(ipLength >> 8), UInt8(ipLength & 0xFF),
            0x00, 0x00, 0x40, 0x00,  // id 0, don't fragment
            64, 17, 0, 0,            // TTL, UDP, checksum placeholder
        ] + sourceIP + destinationIP
        frame.replaceSubrange(14..<34, with: ip)
        let checksum = Self.internetChecksum(frame[14..<34])
        frame[24] = UInt8(checksum >> 8); frame[25] = UInt8(checksum & 0xFF)
        let udpLength = ipLength - 20
        frame.replaceSubrange(34..<42, with: [
            UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
            UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0,
        ])
        Self.stamp(&frame, sequence: sequence)
        return frame
    }

    /// Writes `sequence` into a frame made by ``bytes(sequence:)`` (the first
    /// 4 payload bytes, big-endian), as the generator does for each copy.
    public static func stamp(_ frame: inout [UInt8], sequence: UInt32) {
        guard frame.count >= 46 else { return }
        frame[42] = UInt8(sequence >> 24); frame[43] = UInt8((sequence >> 16) & 0xFF)
        frame[44] = UInt8((sequence >> 8) & 0xFF); frame[45] = UInt8(sequence & 0xFF)
    }

    /// The sequence number written by ``bytes(sequence:)``, if `frame` is long enough.
    public static func sequence(of frame: some Collection<UInt8>) -> UInt32? {
        guard frame.count >= 46 else { return nil }
        let bytes = Array(frame.dropFirst(42).prefix(4))
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// RFC 1071 checksum.
    public static func internetChecksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.endIndex { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
