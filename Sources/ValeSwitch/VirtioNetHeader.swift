/// `struct virtio_net_hdr` (<linux/virtio_net.h>): the 10 bytes of offload
/// metadata that AF_PACKET (PACKET_VNET_HDR) and TAP (IFF_VNET_HDR) put in
/// front of each frame. It says whether the frame's L4 checksum is still to
/// be finished (CHECKSUM_PARTIAL) and whether the frame is a GSO super-frame
/// to be cut into `gsoSize`-byte segments.
///
/// Fields are little-endian: AF_PACKET uses `vio_le()`, the host order on
/// little-endian machines (x86, arm64), and a TAP uses the same unless
/// TUNSETVNETBE is set, which valed never does. Parsing and serializing are
/// explicitly little-endian, byte by byte.
public struct VirtioNetHeader: Sendable, Equatable {
    /// VIRTIO_NET_HDR_F_* bits.
    public var flags: UInt8
    /// VIRTIO_NET_HDR_GSO_* value, with `gsoECN` or-ed in.
    public var gsoType: UInt8
    /// Length of the headers to copy into each segment. The kernel fills it
    /// with `skb_headlen()`, which may include payload: only a hint.
    public var headerLength: UInt16
    /// Payload bytes per segment (the MSS for TCP).
    public var gsoSize: UInt16
    /// Where checksumming starts (the L4 header), from the MAC header on.
    public var checksumStart: UInt16
    /// Where, from `checksumStart`, the finished checksum is stored.
    public var checksumOffset: UInt16

    /// sizeof(struct virtio_net_hdr); the socket side always uses this size.
    public static let size = 10

    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the L4 checksum field holds only the
    /// pseudo-header sum; the rest is still to be added.
    public static let needsChecksum: UInt8 = 1
    /// VIRTIO_NET_HDR_F_DATA_VALID: the checksum was already verified.
    public static let dataValid: UInt8 = 2

    /// VIRTIO_NET_HDR_GSO_NONE.
    public static let gsoNone: UInt8 = 0
    /// VIRTIO_NET_HDR_GSO_TCPV4.
    public static let gsoTCPv4: UInt8 = 1
    /// VIRTIO_NET_HDR_GSO_UDP (UFO: IP fragmentation).
    public static let gsoUDP: UInt8 = 3
    /// VIRTIO_NET_HDR_GSO_TCPV6.
    public static let gsoTCPv6: UInt8 = 4
    /// VIRTIO_NET_HDR_GSO_UDP_L4 (USO: one UDP datagram per segment).
    public static let gsoUDPL4: UInt8 = 5
    /// VIRTIO_NET_HDR_GSO_ECN: the TCP super-frame carries CWR.
    public static let gsoECN: UInt8 = 0x80

    /// A header; all zero means "a whole frame with a finished checksum".
    public init(flags: UInt8 = 0, gsoType: UInt8 = 0, headerLength: UInt16 = 0, gsoSize: UInt16 = 0,
                checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads the 10 bytes at `p`.
    @inline(__always)
    public init(at p: UnsafeRawPointer) {
        @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(p.load(fromByteOffset: o, as: UInt8.self)) | UInt16(p.load(fromByteOffset: o + 1, as: UInt8.self)) << 8 }
        flags = p.load(as: UInt8.self)
        gsoType = p.load(fromByteOffset: 1, as: UInt8.self)
        headerLength = u16(2)
        gsoSize = u16(4)
        checksumStart = u16(6)
        checksumOffset = u16(8)
    }

    /// Parses the first 10 bytes of `bytes`; nil when there are fewer.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count >= Self.size else { return nil }
        let a = Array(bytes.prefix(Self.size))
        self = a.withUnsafeBytes { VirtioNetHeader(at: $0.baseAddress!) }
    }

    /// Writes the 10 bytes at `p`.
    @inline(__always)
    public func store(to p: UnsafeMutableRawPointer) {
        @inline(__always) func u16(_ v: UInt16, _ o: Int) {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: o, as: UInt8.self)
            p.storeBytes(of: UInt8(truncatingIfNeeded: v >> 8), toByteOffset: o + 1, as: UInt8.self)
        }
        p.storeBytes(of: flags, as: UInt8.self)
        p.storeBytes(of: gsoType, toByteOffset: 1, as: UInt8.self)
        u16(headerLength, 2)
        u16(gsoSize, 4)
        u16(checksumStart, 6)
        u16(checksumOffset, 8)
    }

    /// The 10 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        out.withUnsafeMutableBytes { store(to: $0.baseAddress!) }
        return out
    }

    /// The GSO type without the ECN bit.
    public var gsoKind: UInt8 { gsoType & ~Self.gsoECN }
    /// True for a super-frame to be segmented.
    public var isGSO: Bool { gsoKind != Self.gsoNone }
    /// True when the frame is not yet what a wire would carry: a
    /// super-frame or an unfinished checksum.
    public var needsSoftwareOffload: Bool { isGSO || flags & Self.needsChecksum != 0 }
}
