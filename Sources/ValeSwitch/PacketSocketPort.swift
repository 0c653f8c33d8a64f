#if canImport(Glibc)
import Glibc
#endif
import CLinuxUAPI
import CLinuxSupport
import SystemCallSeam

/// One interface (NIC, veth end, TAP netdev) opened for the switch with
/// AF_PACKET: a TPACKET_V3 memory-mapped receive ring (frames arrive in
/// blocks, a block is handed over when full or after the retire timeout)
/// and `sendmmsg` through the device's queueing discipline for transmit.
///
/// PACKET_VNET_HDR is on: every received frame is preceded in the ring by
/// its `VirtioNetHeader` (partial checksum, GSO), and every sent frame
/// starts with one, so checksum and segmentation offloads pass through the
/// switch and GSO super-frames cross it whole (issue 11). The kernel
/// finishes checksums and segments on egress where the device cannot
/// (validate_xmit_skb in dev_queue_xmit).
///
/// No PACKET_QDISC_BYPASS: its path (__dev_direct_xmit) drops every skb
/// that validate_xmit_skb replaced, i.e. every super-frame the egress
/// device must have segmented in software (a veth with `tx off`, a NIC
/// without TSO): TCP through such a port fell to 0.35 Mbit/s. veth has no
/// qdisc (noqueue), so this costs it nothing; TAPs and NICs now pass their
/// qdisc (pfifo_fast, fq_codel, mq), one more lock per frame.
///
/// Everything namespace-dependent happens in `open`, on the calling thread:
/// the socket belongs to that thread's network namespace for its whole
/// life, so the packet thread may live in any namespace.
///
/// Not thread-safe: after `open`, only the packet thread touches it.
final class PacketSocketPort: @unchecked Sendable {
    let interface: String
    let ifindex: Int32
    let fd: Int32
    /// The interface MTU when the port was opened.
    let mtu: Int
    /// "veth", "tun", ... from ETHTOOL_GDRVINFO, "" when unknown.
    let driver: String
    let isTAP: Bool
    private let system: any PacketSystem
    private let ring: UnsafeMutableRawPointer
    private let blockSize: Int
    private let blockCount: Int
    private var currentBlock = 0
    private(set) var closed = false
    /// Frames queued for one `sendmmsg`; they point into some port's receive
    /// ring, so the queue is flushed before that block goes back to the kernel.
    private let txFrames: UnsafeMutablePointer<UnsafeRawPointer?>
    private let txLengths: UnsafeMutablePointer<UInt32>
    private(set) var txQueued = 0
    static let txCapacity = 512
    /// PACKET_TX_RING state, when the port uses one (txSlots > 0).
    private let txRing: UnsafeMutableRawPointer
    private let txSlots: Int
    private var txHead = 0
    private var txRingPending = 0
    static let txSlotSize = 2048
    static let txBlockSize = 1 << 16
    static let txBlockCount = 32
    static let packetTxRing: Int32 = 13          // PACKET_TX_RING
    static let txDataOffset = clinux_tpacket3_tx_data_offset()

    // <linux/if_packet.h> values; stable kernel ABI.
    static let solPacket: Int32 = 263            // SOL_PACKET
    static let packetAddMembership: Int32 = 1    // PACKET_ADD_MEMBERSHIP
    static let packetRxRing: Int32 = 5           // PACKET_RX_RING
    static let packetVersion: Int32 = 10         // PACKET_VERSION
    static let packetIgnoreOutgoing: Int32 = 23  // PACKET_IGNORE_OUTGOING
    static let packetVnetHdr: Int32 = 15         // PACKET_VNET_HDR
    static let tpacketV3: Int32 = 2              // TPACKET_V3
    static let membershipPromiscuous: UInt16 = 1 // PACKET_MR_PROMISC
    static let ethPAll: UInt16 = 0x0003          // ETH_P_ALL
    static let pkttypeOutgoing: UInt8 = 4        // PACKET_OUTGOING
    static let statusVLANValid: UInt32 = 0x10    // TP_STATUS_VLAN_VALID

    /// Ring geometry: 64 blocks of 256 KiB (16 MiB of kernel memory per
    /// port). A block holds ~2000 minimum-size or ~170 full-size frames; a
    /// frame may be as large as a block, so a 64 KiB GSO super-frame (veth's
    /// and virtio's gso_max_size) fits, but only ~4 per block: with 16 blocks
    /// a TCP burst overflowed the ring (rx drops, ~1000 retransmits in 5 s of
    /// iperf3), with 64 it did not (under 10). A frame larger than a block
    /// would be truncated by the kernel and counted as a receive drop.
    static let defaultBlockSize = 1 << 18
    static let defaultBlockCount = 64

    /// Opens `interface` in the calling thread's network namespace.
    /// `what` prefixes error sentences ("cannot attach vs0:eth1").
    static func open(interface: String, retireTimeoutMilliseconds: Int, transmitRing: Bool = false,
                     receiveBlocks: Int = defaultBlockCount, what: String,
                     system: any PacketSystem) throws(SwitchError) -> PacketSocketPort {
        func fail(_ step: String, _ e: Errno) -> SwitchError {
            if e == .noSuchDevice { return SwitchError(.noSuchInterface, "\(what): \(interface) does not exist (ENODEV)", errno: e) }
            if e == .notPermitted || e == .permissionDenied {
                return SwitchError(.system, "\(what): \(step) needs CAP_NET_RAW: \(e.explanation)", errno: e)
            }
            return SwitchError(e == .resourceBusy ? .busy : .system, "\(what): \(step) failed: \(e.explanation)", errno: e)
        }
        // Protocol 0: the socket receives nothing until bind names ETH_P_ALL,
        // so no frame of another interface lands in the ring first.
        guard let fdValue = system.socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0).value
        else {
            let e = system.socket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0).error ?? .invalidArgument
            throw fail("socket(AF_PACKET)", e)
        }
        let fd = Int32(fdValue)
        var ok = false
        defer { if !ok { system.close(fd) } }

        let requests = InterfaceRequests(system: system)
        let ifindex: Int32
        switch requests.index(of: interface, socket: fd) {
        case .success(let i): ifindex = i
        case .failure(let e): throw fail("SIOCGIFINDEX", e)
        }
        let mtu = (try? requests.mtu(of: interface, socket: fd).get()) ?? 1500
        let info = requests.driver(of: interface, socket: fd)

        func setInt(_ name: Int32, _ value: Int32, _ label: String) throws(SwitchError) {
            var v = value
            if case .failure(let e) = system.setsockopt(fd, solPacket, name, &v, 4) { throw fail(label, e) }
        }
        try setInt(packetVersion, tpacketV3, "setsockopt(PACKET_VERSION, TPACKET_V3)")
        // Before the rings: the kernel refuses PACKET_VNET_HDR with EBUSY once one exists.
        try setInt(packetVnetHdr, 1, "setsockopt(PACKET_VNET_HDR)")

        let blockSize = defaultBlockSize, blockCount = max(2, receiveBlocks)
        var req = [UInt8](repeating: 0, count: clinux_tpacket_req3_size())
        req.withUnsafeMutableBytes {
            clinux_tpacket_req3_fill($0.baseAddress, UInt32(blockSize), UInt32(blockCount), 2048,
                                     UInt32(max(1, retireTimeoutMilliseconds)))
        }
        let ringResult = req.withUnsafeBytes { system.setsockopt(fd, solPacket, packetRxRing, $0.baseAddress!, $0.count) }
        if case .failure(let e) = ringResult { throw fail("setsockopt(PACKET_RX_RING)", e) }
        var txSize = 0
        if transmitRing {
            // The kernel forbids a retire timeout on a V3 transmit ring.
            var txReq = [UInt8](repeating: 0, count: clinux_tpacket_req3_size())
            txReq.withUnsafeMutableBytes {
                clinux_tpacket_req3_fill_tx($0.baseAddress, UInt32(txBlockSize), UInt32(txBlockCount), UInt32(txSlotSize))
            }
            let r = txReq.withUnsafeBytes { system.setsockopt(fd, solPacket, packetTxRing, $0.baseAddress!, $0.count) }
            if case .failure(let e) = r { throw fail("setsockopt(PACKET_TX_RING)", e) }
            txSize = txBlockSize * txBlockCount
        }
        // One mapping holds the receive ring followed by the transmit ring.
        let mappedSize = blockSize * blockCount + txSize
        let ring = try system.mmap(fd, mappedSize).mapError { fail("mmap of the packet rings", $0) }.get()
        var mappedOK = false
        defer { if !mappedOK { system.munmap(ring, mappedSize) } }

        // Frames the host stack (or we) send on this interface are not input
        // of the switch; without this the switch would learn its own output.
        // Kernels before 4.20 lack it: the receive loop also checks pkttype.
        var one: Int32 = 1
        if case .failure(let e) = system.setsockopt(fd, solPacket, packetIgnoreOutgoing, &one, 4), e != .protocolNotAvailable {
            throw fail("setsockopt(PACKET_IGNORE_OUTGOING)", e)
        }
        // Promiscuous through the socket: the kernel counts it and drops it
        // when the socket closes, so a crash never leaves the NIC promiscuous.
        var mreq = packet_mreq()
        mreq.mr_ifindex = ifindex
        mreq.mr_type = membershipPromiscuous
        if case .failure(let e) = system.setsockopt(fd, solPacket, packetAddMembership, &mreq, MemoryLayout<packet_mreq>.size) {
            throw fail("setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)", e)
        }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = ethPAll.bigEndian
        address.sll_ifindex = ifindex
        if case .failure(let e) = system.bind(fd, &address, MemoryLayout<sockaddr_ll>.size) { throw fail("bind", e) }

        ok = true
        mappedOK = true
        return PacketSocketPort(interface: interface, ifindex: ifindex, fd: fd, mtu: mtu,
                                driver: info?.driver ?? "", isTAP: info?.driver == "tun" && info?.busInfo == "tap",
                                system: system, ring: ring, blockSize: blockSize, blockCount: blockCount,
                                transmitSlots: txSize / txSlotSize)
    }

    private init(interface: String, ifindex: Int32, fd: Int32, mtu: Int, driver: String, isTAP: Bool,
                 system: any PacketSystem, ring: UnsafeMutableRawPointer, blockSize: Int, blockCount: Int,
                 transmitSlots: Int) {
        self.interface = interface
        self.ifindex = ifindex
        self.fd = fd
        self.mtu = mtu
        self.driver = driver
        self.isTAP = isTAP
        self.system = system
        self.ring = ring
        self.blockSize = blockSize
        self.blockCount = blockCount
        txSlots = transmitSlots
        txRing = ring + blockSize * blockCount
        txFrames = .allocate(capacity: Self.txCapacity)
        txLengths = .allocate(capacity: Self.txCapacity)
    }

    /// Hands each frame of up to `maxBlocks` ready blocks to `body` (frame
    /// bytes, its virtio-net header, timestamp seconds, nanoseconds), in ring order, calls
    /// `endOfBlock` after each block and then returns the block to the kernel. Returns the frames seen. The bytes are only
    /// valid during the call: the kernel reuses the block afterwards.
    @inline(__always)
    func receive(maxBlocks: Int, _ body: (UnsafeRawBufferPointer, VirtioNetHeader, UInt32, UInt32) -> Void,
                 truncated: () -> Void, endOfBlock: () -> Void) -> Int {
        var frames = 0
        var blocks = 0
        var frame = clinux_tpacket_frame()
        while blocks < maxBlocks {
            let block = ring + currentBlock * blockSize
            guard clinux_tpacket3_block_ready(block) != 0 else { break }
            let count = clinux_tpacket3_block_frames(block)
            var offset = Int(clinux_tpacket3_block_first(block))
            for _ in 0..<count {
                var next = clinux_tpacket3_frame(block + offset, &frame)
                if frame.status & Self.statusVLANValid != 0 {
                    // The kernel untags 802.1Q frames before packet sockets
                    // see them (skb_vlan_untag); a switch must forward the tag.
                    if clinux_tpacket3_restore_vlan(block + offset, VirtioNetHeader.size) < 0 {
                        truncated()
                        if next == 0 { break }
                        offset += Int(next)
                        continue
                    }
                    next = clinux_tpacket3_frame(block + offset, &frame)
                }
                if frame.pkttype != Self.pkttypeOutgoing {
                    if frame.snaplen < frame.length {
                        truncated()
                    } else {
                        // The kernel wrote the header just before the MAC header (tpacket_rcv).
                        let header = VirtioNetHeader(at: frame.data - VirtioNetHeader.size)
                        body(UnsafeRawBufferPointer(start: frame.data, count: Int(frame.snaplen)), header,
                             frame.sec, frame.nsec)
                    }
                    frames += 1
                }
                if next == 0 { break }
                offset += Int(next)
            }
            endOfBlock()
            clinux_tpacket3_block_release(block)
            currentBlock = (currentBlock + 1) % blockCount
            blocks += 1
        }
        return frames
    }

    /// True when the next block already belongs to user space.
    var hasReadyBlock: Bool { clinux_tpacket3_block_ready(ring + currentBlock * blockSize) != 0 }

    /// Largest frame a transmit-ring slot takes after its virtio-net header.
    static var txSlotCapacity: Int { txSlotSize - txDataOffset - VirtioNetHeader.size }

    /// Queues one received frame (still in some port's receive ring, its
    /// virtio-net header in the 10 bytes before it) for the next `flush`;
    /// flushes first when the queue is full. Frames the port cannot take are
    /// reported to `unsent` (1, the frame's length) right away.
    @inline(__always)
    func enqueue(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader, unsent: (UInt64, UInt64) -> Void) {
        if txSlots > 0 {
            enqueueInRing(frame, header: header, unsent: unsent)
            return
        }
        if txQueued == Self.txCapacity { flush(unsent: unsent) }
        // Zero copy: the header sits right before the frame in the receive
        // ring, so header and frame go out as one contiguous message.
        txFrames[txQueued] = UnsafeRawPointer(frame.baseAddress! - VirtioNetHeader.size)
        txLengths[txQueued] = UInt32(frame.count + VirtioNetHeader.size)
        txQueued += 1
    }

    /// PACKET_TX_RING: the slot holds the header, then the frame. With a
    /// transmit ring every `send` on the socket only kicks the ring
    /// (packet_sendmsg calls tpacket_snd), so a frame larger than a slot
    /// cannot go out through `sendmmsg` either: a super-frame is segmented
    /// here in software, any other frame that large is a drop.
    private func enqueueInRing(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader, unsent: (UInt64, UInt64) -> Void) {
        if frame.count <= Self.txSlotCapacity {
            if !putInRing(frame, header: header) { unsent(1, UInt64(frame.count)) }
            return
        }
        guard header.isGSO, case .success(let segments) = SoftwareOffload.wireFrames(frame, header: header),
              segments.allSatisfy({ $0.count <= Self.txSlotCapacity }) else {
            unsent(1, UInt64(frame.count))
            return
        }
        // Counted as one frame (the super-frame), sent or dropped as a whole.
        for segment in segments {
            let ok = segment.withUnsafeBytes { putInRing($0, header: VirtioNetHeader()) }
            if !ok {
                unsent(1, UInt64(frame.count))
                return
            }
        }
    }

    private func putInRing(_ frame: UnsafeRawBufferPointer, header: VirtioNetHeader) -> Bool {
        let slot = txRing + txHead * Self.txSlotSize
        var status = clinux_tpacket3_tx_status(slot)
        if status != 0 && status & 0x4 == 0 { // still the kernel's: send what is queued, look again
            kick()
            status = clinux_tpacket3_tx_status(slot)
        }
        if status & 0x4 != 0 { // TP_STATUS_WRONG_FORMAT: the kernel refused this slot's last frame
            clinux_tpacket3_tx_reset(slot)
            status = 0
        }
        guard status == 0 else { return false }
        let data = slot + Self.txDataOffset
        header.store(to: data)
        (data + VirtioNetHeader.size).copyMemory(from: frame.baseAddress!, byteCount: frame.count)
        clinux_tpacket3_tx_submit(slot, UInt32(frame.count + VirtioNetHeader.size))
        txHead = txHead + 1 == txSlots ? 0 : txHead + 1
        txRingPending += 1
        return true
    }

    /// Sends the queued frames with one `sendmmsg` (a second try for a short
    /// send: ENOBUFS while the device queue drains). Reports the frames and
    /// bytes the kernel refused to `unsent`.
    func flush(unsent: (UInt64, UInt64) -> Void) {
        if txRingPending > 0 { kick() }
        var sent = 0
        var attempts = 0
        while sent < txQueued && attempts < 2 {
            attempts += 1
            if let n = system.sendFrames(fd, txFrames + sent, txLengths + sent, txQueued - sent).value { sent += n }
        }
        if sent < txQueued {
            var bytes: UInt64 = 0
            for i in sent..<txQueued { bytes += UInt64(txLengths[i]) - UInt64(VirtioNetHeader.size) }
            unsent(UInt64(txQueued - sent), bytes)
        }
        txQueued = 0
    }

    private func kick() {
        _ = system.kickTransmitRing(fd)
        txRingPending = 0
    }

    /// True when frames wait in a queue or the transmit ring for `flush`.
    var hasPendingTransmit: Bool { txQueued > 0 || txRingPending > 0 }

    /// Frames the kernel dropped because the ring was full since the last call.
    func kernelDrops() -> UInt32 {
        system.packetStatistics(fd)?.drops ?? 0
    }

    /// Reads and clears the socket error after POLLERR (ENETDOWN when the
    /// link went down or the device went away).
    func takeError() -> Int32 {
        system.getsockoptInt(fd, SOL_SOCKET, SO_ERROR).value.map { Int32($0) } ?? 0
    }

    /// Unmaps the ring and closes the socket (which also drops promiscuity).
    func close() {
        guard !closed else { return }
        closed = true
        txQueued = 0
        txFrames.deallocate()
        txLengths.deallocate()
        system.munmap(ring, blockSize * blockCount + txSlots * Self.txSlotSize)
        system.close(fd)
    }

    deinit { close() }
}
