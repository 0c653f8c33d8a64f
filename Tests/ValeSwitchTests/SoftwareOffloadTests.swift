import Testing
@testable import ValeSwitch

// MARK: An independent checker

/// RFC 1071 the other way round: the one's complement sum is the plain sum
/// modulo 0xFFFF, so data with a correct checksum field sums to 0 mod 0xFFFF.
/// Written without the folding code under test.
func sumsToZeroModFFFF(_ parts: [UInt8]...) -> Bool {
    var total = 0
    for bytes in parts {
        var i = 0
        while i < bytes.count {
            let hi = Int(bytes[i]), lo = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            total += hi * 256 + lo
            i += 2
        }
    }
    return total % 0xFFFF == 0
}

func be16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }
func be32(_ b: [UInt8], _ o: Int) -> UInt32 { UInt32(be16(b, o)) << 16 | UInt32(be16(b, o + 2)) }

/// Deterministic pseudo-random payload (xorshift), so every test sees the same bytes.
func payload(_ count: Int, seed: UInt32 = 0x9E37_79B9) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in x ^= x << 13; x ^= x >> 17; x ^= x << 5; return UInt8(truncatingIfNeeded: x) }
}

/// Builds Ethernet + IPv4/IPv6 + TCP/UDP frames the way a sending stack
/// hands them to a device with offloads: the L4 checksum field holds the
/// pseudo-header sum (CHECKSUM_PARTIAL), IP lengths cover the whole frame.
struct FrameBuilder {
    var ipv6 = false
    var udp = false
    var vlan = false
    var tcpFlags: UInt8 = 0x18        // PSH | ACK
    var tcpOptions = 12               // timestamps, as Linux sends
    var ipv4ID: UInt16 = 100
    var sequence: UInt32 = 0xFFFF_F000 // wraps within the test

    var src4: [UInt8] = [10, 77, 0, 1], dst4: [UInt8] = [10, 77, 0, 2]
    var src6: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    var dst6: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]

    var l3: Int { 14 + (vlan ? 4 : 0) }
    var l4: Int { l3 + (ipv6 ? 40 : 20) }
    var l4HeaderLength: Int { udp ? 8 : 20 + tcpOptions }
    var checksumField: Int { l4 + (udp ? 6 : 16) }

    func partial(_ data: [UInt8]) -> [UInt8] {
        var f: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
        if vlan { f += [0x81, 0x00, 0x00, 0x2A] }
        f += ipv6 ? [0x86, 0xDD] : [0x08, 0x00]
        let l4Length = l4HeaderLength + data.count
        let proto: UInt8 = udp ? 17 : 6
        if ipv6 {
            f += [0x60, 0, 0, 0, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF), proto, 64] + src6 + dst6
        } else {
            let total = 20 + l4Length
            var ip: [UInt8] = [0x45, 0, UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF), UInt8(ipv4ID >> 8), UInt8(ipv4ID & 0xFF),
                               0x40, 0, 64, proto, 0, 0] + src4 + dst4
            let c = SoftwareOffload.internetChecksum(ip)
            ip[10] = UInt8(c >> 8); ip[11] = UInt8(c & 0xFF)
            f += ip
        }
        if udp {
            f += [0x30, 0x39, 0x00, 0x35, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF), 0, 0]
        } else {
            let s = sequence
            f += [0x30, 0x39, 0x14, 0x51, UInt8(s >> 24), UInt8(s >> 16 & 0xFF), UInt8(s >> 8 & 0xFF), UInt8(s & 0xFF),
                  0, 0, 0, 1, UInt8((20 + tcpOptions) / 4) << 4, tcpFlags, 0xFF, 0xFF, 0, 0, 0, 0]
            f += [1, 1, 8, 10] + [UInt8](repeating: 7, count: tcpOptions - 4)
        }
        f += data
        // Pseudo-header sum, folded, not complemented: what CHECKSUM_PARTIAL leaves.
        let pseudo = pseudoHeader(l4Length: l4Length)
        var sum = 0
        for i in stride(from: 0, to: pseudo.count, by: 2) { sum += be16(pseudo, i) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        f[checksumField] = UInt8(sum >> 8); f[checksumField + 1] = UInt8(sum & 0xFF)
        return f
    }

    func pseudoHeader(l4Length: Int) -> [UInt8] {
        let proto: UInt8 = udp ? 17 : 6
        return (ipv6 ? src6 + dst6 : src4 + dst4) + [0, proto, UInt8(l4Length >> 8), UInt8(l4Length & 0xFF)]
    }

    func header(gso: UInt8 = 0, size: Int = 0) -> VirtioNetHeader {
        VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: gso, headerLength: UInt16(l4 + l4HeaderLength),
                        gsoSize: UInt16(size), checksumStart: UInt16(l4), checksumOffset: udp ? 6 : 16)
    }

    /// True when `segment`'s L4 checksum (and IPv4 header checksum) verify.
    func verifies(_ segment: [UInt8]) -> Bool {
        let l4Bytes = Array(segment[l4...])
        let ok4 = ipv6 || sumsToZeroModFFFF(Array(segment[l3..<l4]))
        return ok4 && sumsToZeroModFFFF(pseudoHeader(l4Length: l4Bytes.count), l4Bytes)
    }
}

@Suite("virtio-net header and software offload")
struct SoftwareOffloadTests {
    @Test func theHeaderIsTenLittleEndianBytes() throws {
        let bytes: [UInt8] = [0x01, 0x81, 0x42, 0x00, 0xA8, 0x05, 0x22, 0x00, 0x10, 0x00]
        let h = try #require(VirtioNetHeader(bytes))
        #expect(h == VirtioNetHeader(flags: 1, gsoType: 0x81, headerLength: 66, gsoSize: 1448, checksumStart: 34, checksumOffset: 16))
        #expect(h.gsoKind == VirtioNetHeader.gsoTCPv4 && h.isGSO && h.needsSoftwareOffload)
        #expect(h.bytes == bytes)
        #expect(VirtioNetHeader(bytes.prefix(9)) == nil)
        #expect(!VirtioNetHeader(flags: VirtioNetHeader.dataValid).needsSoftwareOffload)
    }

    @Test func theInternetChecksumMatchesRFC1071sExample() {
        // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2.
        #expect(SoftwareOffload.internetChecksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == ~UInt16(0xDDF2))
        #expect(SoftwareOffload.internetChecksum([0xFF]) == 0x00FF) // odd length pads with zero
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func aPartialChecksumIsFinished(ipv6: Bool, udp: Bool) throws {
        let b = FrameBuilder(ipv6: ipv6, udp: udp)
        let partial = b.partial(payload(777))
        #expect(!b.verifies(partial))
        let frames = try SoftwareOffload.wireFrames(partial, header: b.header()).get()
        #expect(frames.count == 1)
        #expect(b.verifies(frames[0]))
        #expect(frames[0][..<b.checksumField] == partial[..<b.checksumField])
        #expect(frames[0][(b.checksumField + 2)...] == partial[(b.checksumField + 2)...])
    }

    @Test func aUDPChecksumThatComesOutZeroIsSentAsFFFF() throws {
        let b = FrameBuilder(udp: true)
        var data = payload(100) + [0, 0]
        // Choose the last word so that the data sums to 0xFFFF: complement 0.
        var sum = 0
        let f = b.partial(data)
        for i in stride(from: b.l4, to: f.count, by: 2) { sum += be16(f, i) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let word = 0xFFFF - sum
        data[100] = UInt8(word >> 8); data[101] = UInt8(word & 0xFF)
        let frame = try SoftwareOffload.wireFrames(b.partial(data), header: b.header()).get()[0]
        #expect(be16(frame, b.checksumField) == 0xFFFF)
        #expect(b.verifies(frame))
    }

    @Test func aTCPv4SuperFrameBecomesMSSSizedSegments() throws {
        var b = FrameBuilder()
        b.tcpFlags = 0x19 // FIN | PSH | ACK
        let data = payload(4000)
        let frames = try SoftwareOffload.wireFrames(b.partial(data), header: b.header(gso: VirtioNetHeader.gsoTCPv4, size: 1448)).get()
        #expect(frames.map(\.count) == [1448, 1448, 1104].map { $0 + b.l4 + b.l4HeaderLength })
        #expect(frames[0].count == 1514)
        for (i, s) in frames.enumerated() {
            #expect(b.verifies(s), "segment \(i) has a bad checksum")
            #expect(be16(s, b.l3 + 2) == s.count - b.l3)                // IPv4 total length
            #expect(be16(s, b.l3 + 4) == 100 + i)                       // IPv4 id, one per segment
            #expect(be32(s, b.l4 + 4) == b.sequence &+ UInt32(i * 1448)) // sequence wraps
            #expect(s[b.l4 + 13] == (i == 2 ? 0x19 : 0x10))             // FIN, PSH on the last only
            #expect(Array(s[b.l4..<(b.l4 + 4)]) == [0x30, 0x39, 0x14, 0x51])  // ports untouched
            #expect(s[(b.l4 + 8)..<(b.l4 + 12)] == [0, 0, 0, 1])       // ack untouched
        }
        #expect(frames.flatMap { $0[(b.l4 + b.l4HeaderLength)...] } == data)
    }

    @Test func cwrGoesOnTheFirstSegmentOnlyAndECNBitsStay() throws {
        var b = FrameBuilder()
        b.tcpFlags = 0x98 // CWR | PSH | ACK
        var partial = b.partial(payload(3000))
        partial[b.l3 + 1] = 0x02 // ECT(0) in the IPv4 TOS byte
        let header = b.header(gso: VirtioNetHeader.gsoTCPv4 | VirtioNetHeader.gsoECN, size: 1000)
        let frames = try SoftwareOffload.wireFrames(partial, header: header).get()
        #expect(frames.map { $0[b.l4 + 13] } == [0x90, 0x10, 0x18])
        #expect(frames.allSatisfy { $0[b.l3 + 1] == 0x02 && b.verifies($0) })
    }

    @Test func aVLANTaggedTCPv6SuperFrameIsSegmented() throws {
        let b = FrameBuilder(ipv6: true, vlan: true)
        let data = payload(3001)
        let frames = try SoftwareOffload.wireFrames(b.partial(data), header: b.header(gso: VirtioNetHeader.gsoTCPv6, size: 1000)).get()
        #expect(frames.count == 4)
        for (i, s) in frames.enumerated() {
            #expect(Array(s[12..<16]) == [0x81, 0x00, 0x00, 0x2A])
            #expect(be16(s, b.l3 + 4) == s.count - b.l4)                // IPv6 payload length
            #expect(b.verifies(s), "segment \(i) has a bad checksum")
        }
        #expect(frames.flatMap { $0[(b.l4 + b.l4HeaderLength)...] } == data)
    }

    @Test(arguments: [false, true])
    func aUDPL4SuperFrameBecomesOneDatagramPerSegment(ipv6: Bool) throws {
        let b = FrameBuilder(ipv6: ipv6, udp: true)
        let data = payload(2500)
        let frames = try SoftwareOffload.wireFrames(b.partial(data), header: b.header(gso: VirtioNetHeader.gsoUDPL4, size: 1000)).get()
        #expect(frames.map { $0.count - b.l4 - 8 } == [1000, 1000, 500])
        for (i, s) in frames.enumerated() {
            #expect(be16(s, b.l4 + 4) == s.count - b.l4)                // UDP length
            #expect(be16(s, b.checksumField) != 0)
            #expect(b.verifies(s), "datagram \(i) has a bad checksum")
            if !ipv6 { #expect(be16(s, b.l3 + 4) == 100 + i) }
        }
        #expect(frames.flatMap { $0[(b.l4 + 8)...] } == data)
    }

    @Test func whatItCannotDoIsSaidNotGuessed() {
        let tcp = FrameBuilder(), udp = FrameBuilder(udp: true)
        #expect(SoftwareOffload.wireFrames(udp.partial(payload(3000)), header: udp.header(gso: VirtioNetHeader.gsoUDP, size: 1000))
                == .failure(.unsupportedGSOType(3)))
        #expect(SoftwareOffload.wireFrames(tcp.partial(payload(3000)), header: tcp.header(gso: VirtioNetHeader.gsoTCPv4, size: 0))
                == .failure(.inconsistentHeader))
        #expect(SoftwareOffload.wireFrames(tcp.partial(payload(3000)), header: tcp.header(gso: VirtioNetHeader.gsoTCPv6, size: 1000))
                == .failure(.inconsistentHeader))
        #expect(SoftwareOffload.wireFrames(udp.partial(payload(3000)), header: udp.header(gso: VirtioNetHeader.gsoTCPv4, size: 1000))
                == .failure(.unsupportedTransport(17)))
        var arp = frame(to: .broadcast, from: macA, size: 60)
        arp[12] = 0x08; arp[13] = 0x06
        #expect(SoftwareOffload.wireFrames(arp, header: VirtioNetHeader(gsoType: 1, gsoSize: 100)) == .failure(.unsupportedNetworkProtocol(0x0806)))
        #expect(SoftwareOffload.wireFrames(arp, header: VirtioNetHeader(flags: 1, checksumStart: 50, checksumOffset: 10))
                == .failure(.inconsistentHeader))
        // Three VLAN tags: the EtherType seen after two is 0x8100 again.
        var qinqinq = tcp.partial(payload(100))
        qinqinq.insert(contentsOf: [0x81, 0x00, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3], at: 12)
        #expect(SoftwareOffload.wireFrames(qinqinq, header: tcp.header(gso: 1, size: 50)) == .failure(.unsupportedNetworkProtocol(0x8100)))
    }

    @Test func theLargestWireFrameOfASuperFrameIsItsHeadersPlusGSOSize() {
        let b = FrameBuilder()
        let superFrame = b.partial(payload(20_000))
        superFrame.withUnsafeBytes { f in
            #expect(SoftwareOffload.largestWireFrame(f, header: b.header(gso: 1, size: 1448)) == 1514)
            #expect(SoftwareOffload.largestWireFrame(f, header: b.header()) == superFrame.count)
            #expect(SoftwareOffload.largestWireFrame(f, header: b.header(gso: 1, size: 60_000)) == superFrame.count)
        }
    }

    @Test func theSwitchComparesTheSegmentSizeAndCountsASuperFrameOnce() {
        var sw = makeSwitch(ports: 2)
        let superFrame = frame(to: macB, from: macA, size: 20_014)
        #expect(sw.forward(superFrame, from: 0, largestWireFrame: 1514) == [1])
        #expect(sw.statistics(of: 0)?.snapshot.rxPackets == 1)
        #expect(sw.statistics(of: 0)?.snapshot.rxBytes == 20_014)
        #expect(sw.statistics(of: 1)?.snapshot.txPackets == 1)
        #expect(sw.statistics(of: 1)?.snapshot.txBytes == 20_014)
        // One byte more per segment than the port takes: one drop, counted.
        #expect(sw.forward(superFrame, from: 0, largestWireFrame: 1515) == [])
        let tx = sw.statistics(of: 1)!.snapshot
        #expect(tx.txDrops == 1 && tx.txPackets == 1)
        #expect(sw.statistics(of: 0)!.snapshot.rxPackets == tx.txPackets + tx.txDrops)
    }
}
