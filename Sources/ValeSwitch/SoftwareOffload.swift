/// What the kernel does for a device without offloads, in userspace: turns
/// a frame with a `VirtioNetHeader` into the frames a wire would carry.
/// A partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM) is finished; a TCP
/// super-frame (GSO TCPV4/TCPV6) is cut into `gsoSize`-byte segments the way
/// `tcp_gso_segment` does; a UDP_L4 super-frame (USO) into one datagram per
/// segment like `__udp_gso_segment`.
///
/// Used only where a port cannot take the frame as it is: monitors (they
/// must see what is on the wire) and transmit-ring slots. AF_PACKET ports
/// get super-frames whole and the kernel segments them if the egress
/// device cannot (validate_xmit_skb).
///
/// Pure: no system calls. Not handled, reported as `Failure`: UFO (GSO UDP,
/// IP fragmentation; the Linux stack stopped producing it in 4.14),
/// tunnel GSO types, IPv6 fragment headers, more than two VLAN tags.
public enum SoftwareOffload {
    /// Why a frame could not be turned into wire frames.
    public enum Failure: Error, Equatable, Sendable {
        /// The frame ends before its headers do.
        case truncated
        /// Not IPv4 or IPv6 (the EtherType, after at most two VLAN tags).
        case unsupportedNetworkProtocol(UInt16)
        /// A GSO frame whose transport is not what its GSO type says.
        case unsupportedTransport(UInt8)
        /// UFO or an unknown GSO type.
        case unsupportedGSOType(UInt8)
        /// gso_size 0, or a checksum position outside the frame.
        case inconsistentHeader
    }

    /// The frames `frame` becomes on a wire: itself when `header` asks for
    /// nothing, with its checksum finished, or its segments.
    public static func wireFrames(_ frame: UnsafeRawBufferPointer,
                                  header: VirtioNetHeader) -> Result<[[UInt8]], Failure> {
        guard header.isGSO else {
            var copy = Array(frame)
            if header.flags & VirtioNetHeader.needsChecksum != 0 {
                if case .failure(let f) = finishChecksum(&copy, header: header) { return .failure(f) }
            }
            return .success([copy])
        }
        return segment(frame, header: header)
    }

    /// Convenience for arrays.
    public static func wireFrames(_ frame: [UInt8], header: VirtioNetHeader) -> Result<[[UInt8]], Failure> {
        frame.withUnsafeBytes { wireFrames($0, header: header) }
    }

    /// The size of the largest frame `frame` becomes on a wire: its own
    /// size, or for a super-frame its headers plus `gsoSize` (what a port's
    /// max frame size is compared with). Nil when the headers cannot be parsed.
    public static func largestWireFrame(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader) -> Int? {
        guard header.isGSO else { return frame.count }
        guard case .success(let l) = Layout.parse(frame) else { return nil }
        return min(frame.count, l.payloadStart + Int(header.gsoSize))
    }

    /// Finishes a CHECKSUM_PARTIAL frame in place, as `skb_checksum_help`:
    /// the checksum field holds the pseudo-header sum; the complement of the
    /// sum from `checksumStart` to the end goes there. A result of 0 is
    /// stored as 0xFFFF (CSUM_MANGLED_0), which UDP requires and TCP accepts.
    public static func finishChecksum(_ frame: inout [UInt8], header: VirtioNetHeader) -> Result<Void, Failure> {
        let start = Int(header.checksumStart), field = start + Int(header.checksumOffset)
        guard field + 2 <= frame.count, start < frame.count else { return .failure(.inconsistentHeader) }
        let sum = frame.withUnsafeBytes { onesComplementSum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        var result = ~fold(sum)
        if result == 0 { result = 0xFFFF }
        frame[field] = UInt8(result >> 8)
        frame[field + 1] = UInt8(truncatingIfNeeded: result)
        return .success(())
    }

    // MARK: Segmentation

    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17

    /// Where the headers of an IPv4/IPv6 TCP or UDP frame are.
    struct Layout {
        var network: Int          // first byte of the IP header
        var isIPv4: Bool
        var transport: Int        // first byte of the TCP/UDP header
        var protocolNumber: UInt8
        var payloadStart: Int     // first byte after the TCP/UDP header

        static func parse(_ f: UnsafeRawBufferPointer) -> Result<Layout, Failure> {
            func u16(_ o: Int) -> Int { Int(f[o]) << 8 | Int(f[o + 1]) }
            var offset = 12
            guard f.count >= 14 else { return .failure(.truncated) }
            var etherType = u16(offset)
            // 802.1Q and 802.1ad tags: up to two, as the kernel's GSO handles.
            for _ in 0..<2 where etherType == 0x8100 || etherType == 0x88A8 {
                offset += 4
                guard f.count >= offset + 2 else { return .failure(.truncated) }
                etherType = u16(offset)
            }
            let network = offset + 2
            let transport: Int, proto: UInt8, isIPv4: Bool
            switch etherType {
            case 0x0800:
                guard f.count >= network + 20, f[network] >> 4 == 4 else { return .failure(.truncated) }
                let ihl = Int(f[network] & 0x0F) * 4
                guard ihl >= 20 else { return .failure(.inconsistentHeader) }
                isIPv4 = true
                transport = network + ihl
                proto = f[network + 9]
            case 0x86DD:
                guard f.count >= network + 40 else { return .failure(.truncated) }
                isIPv4 = false
                var next = f[network + 6], at = network + 40
                // Hop-by-hop, routing and destination options may precede TCP/UDP.
                while next == 0 || next == 43 || next == 60 {
                    guard f.count >= at + 8 else { return .failure(.truncated) }
                    next = f[at]
                    at += (Int(f[at + 1]) + 1) * 8
                }
                transport = at
                proto = next
            default:
                return .failure(.unsupportedNetworkProtocol(UInt16(etherType)))
            }
            let transportLength: Int
            switch proto {
            case SoftwareOffload.tcp:
                guard f.count >= transport + 20 else { return .failure(.truncated) }
                transportLength = Int(f[transport + 12] >> 4) * 4
                guard transportLength >= 20 else { return .failure(.inconsistentHeader) }
            case SoftwareOffload.udp:
                transportLength = 8
            default:
                return .failure(.unsupportedTransport(proto))
            }
            guard f.count >= transport + transportLength else { return .failure(.truncated) }
            return .success(Layout(network: network, isIPv4: isIPv4, transport: transport,
                                   protocolNumber: proto, payloadStart: transport + transportLength))
        }
    }

    static func segment(_ f: UnsafeRawBufferPointer, header: VirtioNetHeader) -> Result<[[UInt8]], Failure> {
        let kind = header.gsoKind
        let layout: Layout
        switch Layout.parse(f) {
        case .success(let l): layout = l
        case .failure(let e): return .failure(e)
        }
        switch kind {
        case VirtioNetHeader.gsoTCPv4, VirtioNetHeader.gsoTCPv6:
            guard layout.protocolNumber == tcp else { return .failure(.unsupportedTransport(layout.protocolNumber)) }
            guard layout.isIPv4 == (kind == VirtioNetHeader.gsoTCPv4) else { return .failure(.inconsistentHeader) }
        case VirtioNetHeader.gsoUDPL4:
            guard layout.protocolNumber == udp else { return .failure(.unsupportedTransport(layout.protocolNumber)) }
        default:
            return .failure(.unsupportedGSOType(header.gsoType))
        }
        let mss = Int(header.gsoSize)
        guard mss > 0 else { return .failure(.inconsistentHeader) }
        let headers = UnsafeRawBufferPointer(rebasing: f[0..<layout.payloadStart])
        let payload = f.count - layout.payloadStart
        let count = max(1, (payload + mss - 1) / mss)
        let l3 = layout.network, l4 = layout.transport
        let isTCP = layout.protocolNumber == tcp
        let ipv4ID = layout.isIPv4 ? UInt16(f[l3 + 4]) << 8 | UInt16(f[l3 + 5]) : 0
        let sequence = isTCP ? UInt32(f[l4 + 4]) << 24 | UInt32(f[l4 + 5]) << 16 | UInt32(f[l4 + 6]) << 8 | UInt32(f[l4 + 7]) : 0

        var segments: [[UInt8]] = []
        segments.reserveCapacity(count)
        for i in 0..<count {
            let from = layout.payloadStart + i * mss
            let chunk = min(mss, f.count - from)
            var s = [UInt8](headers)
            s.append(contentsOf: UnsafeRawBufferPointer(rebasing: f[from..<(from + chunk)]))
            let l4Length = layout.payloadStart - l4 + chunk
            func put16(_ v: Int, _ o: Int) { s[o] = UInt8(truncatingIfNeeded: v >> 8); s[o + 1] = UInt8(truncatingIfNeeded: v) }
            if layout.isIPv4 {
                put16(l4 - l3 + l4Length, l3 + 2)                     // total length
                put16(Int(ipv4ID &+ UInt16(truncatingIfNeeded: i)), l3 + 4) // id, one per segment
                put16(0, l3 + 10)
                let ihl = l4 - l3
                let c = s.withUnsafeBytes { ~fold(onesComplementSum(UnsafeRawBufferPointer(rebasing: $0[l3..<(l3 + ihl)]))) }
                put16(Int(c), l3 + 10)
            } else {
                put16(l4 - l3 - 40 + l4Length, l3 + 4)              // payload length (with extension headers)
            }
            let checksumField: Int
            if isTCP {
                let seq = sequence &+ UInt32(truncatingIfNeeded: i * mss)
                put16(Int(seq >> 16), l4 + 4)
                put16(Int(seq & 0xFFFF), l4 + 6)
                // FIN and PSH belong to the last segment, CWR to the first only.
                if i != count - 1 { s[l4 + 13] &= ~0x09 }
                if i != 0 { s[l4 + 13] &= ~0x80 }
                checksumField = l4 + 16
            } else {
                put16(l4Length, l4 + 4)
                checksumField = l4 + 6
            }
            put16(0, checksumField)
            var sum = s.withUnsafeBytes { p -> UInt64 in
                pseudoHeaderSum(p, layout: layout, l4Length: l4Length)
                    + onesComplementSum(UnsafeRawBufferPointer(rebasing: p[l4...]))
            }
            sum = UInt64(fold(sum))
            var c = ~UInt16(sum)
            if c == 0 && !isTCP { c = 0xFFFF }
            put16(Int(c), checksumField)
            segments.append(s)
        }
        return .success(segments)
    }

    static func pseudoHeaderSum(_ f: UnsafeRawBufferPointer, layout: Layout, l4Length: Int) -> UInt64 {
        let l3 = layout.network
        let addresses = layout.isIPv4
            ? UnsafeRawBufferPointer(rebasing: f[(l3 + 12)..<(l3 + 20)])
            : UnsafeRawBufferPointer(rebasing: f[(l3 + 8)..<(l3 + 40)])
        return onesComplementSum(addresses) + UInt64(layout.protocolNumber) + UInt64(l4Length)
    }

    // MARK: The Internet checksum (RFC 1071)

    /// The 16-bit big-endian word sum of `bytes` (an odd last byte padded
    /// with zero), not yet folded.
    static func onesComplementSum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var sum: UInt64 = 0
        var i = 0
        let n = bytes.count
        while i + 1 < n {
            sum &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n { sum &+= UInt64(bytes[i]) << 8 }
        return sum
    }

    /// Folds a sum to 16 bits with end-around carry.
    static func fold(_ value: UInt64) -> UInt16 {
        var s = value
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    /// The Internet checksum of `bytes`: the complement of their folded sum.
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { ~fold(onesComplementSum($0)) }
    }
}
