#if canImport(Glibc)
import Glibc
#endif
import CLinuxUAPI
import CLinuxSupport
import SystemCallSeam

/// One interface (NIC, veth end, TAP netdev) opened for the switch with
/// AF_PACKET: a TPACKET_V2 memory-mapped receive ring of fixed-size slots,
/// each handed to user space as soon as the kernel filled it (no block
/// retire timer, so no added latency), and `sendmmsg` through the device's
/// queueing discipline for transmit.
///
/// A slot holds a frame of the interface MTU. A larger frame (a GSO
/// super-frame of up to 64 KiB) reaches the switch through the socket's
/// receive queue: with PACKET_COPY_THRESH set, tpacket_rcv writes the
/// truncated frame into its slot marked TP_STATUS_COPY and queues the whole
/// skb, under the same lock, so the n-th COPY slot belongs to the n-th
/// queued frame; the receive loop reads it there with recvmsg when it meets
/// the slot, and frames leave in the order they arrived
/// (docs/userspace-datapath.md).
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
    /// The receive ring (then the transmit ring) as mapped.
    private let ring: UnsafeMutableRawPointer
    private let geometry: RingGeometry
    /// The next slot to look at: its block and its index in that block.
    private var block = 0
    private var slotInBlock = 0
    private(set) var closed = false
    /// Frames queued for one `sendmmsg`; they point into some port's receive
    /// ring or a `LargeFrameBuffers` buffer, so the queue is flushed before
    /// those slots go back to the kernel and the buffers are reused.
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
    static let txDataOffset = clinux_tpacket2_tx_data_offset()

    // <linux/if_packet.h> and <asm-generic/socket.h> values; stable kernel ABI.
    static let solPacket: Int32 = 263            // SOL_PACKET
    static let packetAddMembership: Int32 = 1    // PACKET_ADD_MEMBERSHIP
    static let packetRxRing: Int32 = 5           // PACKET_RX_RING
    static let packetCopyThresh: Int32 = 7       // PACKET_COPY_THRESH
    static let packetAuxdata: Int32 = 8          // PACKET_AUXDATA
    static let packetVersion: Int32 = 10         // PACKET_VERSION
    static let packetIgnoreOutgoing: Int32 = 23  // PACKET_IGNORE_OUTGOING
    static let packetVnetHdr: Int32 = 15         // PACKET_VNET_HDR
    static let tpacketV2: Int32 = 1              // TPACKET_V2
    static let soRcvbuf: Int32 = 8               // SO_RCVBUF
    static let soRcvbufForce: Int32 = 33         // SO_RCVBUFFORCE
    static let membershipPromiscuous: UInt16 = 1 // PACKET_MR_PROMISC
    static let ethPAll: UInt16 = 0x0003          // ETH_P_ALL
    static let pkttypeOutgoing: UInt8 = 4        // PACKET_OUTGOING
    static let statusUser: UInt32 = 0x1          // TP_STATUS_USER
    static let statusCopy: UInt32 = 0x2          // TP_STATUS_COPY
    static let statusVLANValid: UInt32 = 0x10    // TP_STATUS_VLAN_VALID

    /// Receive ring memory per port by default (`userspace: ring-mib`).
    static let defaultRingMiB = 16
    /// Slots given back to the kernel at a time: the frames taken from them
    /// are sent first (they are sent straight from the slots).
    static let releaseBatch = 256

    /// Where the slots of a TPACKET_V2 receive ring are.
    struct RingGeometry: Equatable {
        /// Bytes per slot: slot header, sockaddr_ll, virtio-net header and a
        /// frame of the MTU with two VLAN tags, at least 2048.
        let slotSize: Int
        /// Bytes per block (contiguous kernel memory); slots never straddle blocks.
        let blockSize: Int
        let blockCount: Int
        var slotsPerBlock: Int { blockSize / slotSize }
        var slots: Int { slotsPerBlock * blockCount }
        var bytes: Int { blockSize * blockCount }

        static let blockSize = 1 << 17

        /// The ring for an interface of `mtu` in about `mebibytes` MiB.
        init(mtu: Int, mebibytes: Int) {
            let macOffset = Int(clinux_tpacket2_mac_offset(VirtioNetHeader.size))
            let needed = macOffset + max(mtu, 1500) + 14 + 8
            slotSize = max(2048, (needed + 15) & ~15)
            blockSize = max(Self.blockSize, (slotSize + 4095) & ~4095)
            blockCount = max(2, mebibytes * (1 << 20) / blockSize)
        }
    }

    /// What the receive loop does with one slot the kernel handed over.
    enum SlotKind: Equatable {
        /// The whole frame is in the slot.
        case inRing
        /// TP_STATUS_COPY: the slot holds the frame cut to the slot size, the
        /// whole frame waits on the socket's receive queue (read it, even
        /// when the frame itself is skipped, so slots and queue stay paired).
        case copied
        /// Cut to the slot size without a copy on the queue (rcvbuf full or
        /// no memory for the clone): a receive drop.
        case truncated
        /// Sent on the interface, not received (kernels before 4.20 without
        /// PACKET_IGNORE_OUTGOING): not input of the switch.
        case outgoing
    }

    /// Classifies a slot from its tp_status, tp_snaplen, tp_len and sll_pkttype.
    static func classify(status: UInt32, snaplen: UInt32, length: UInt32, pkttype: UInt8) -> SlotKind {
        if status & statusCopy != 0 { return .copied }
        if pkttype == pkttypeOutgoing { return .outgoing }
        return snaplen < length ? .truncated : .inRing
    }

    /// Opens `interface` in the calling thread's network namespace.
    /// `what` prefixes error sentences ("cannot attach vs0:eth1").
    static func open(interface: String, transmitRing: Bool = false,
                     ringMiB: Int = defaultRingMiB, what: String,
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
        let fd: Int32
        switch system.socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0) {
        case .success(let value): fd = Int32(value)
        case .failure(let e): throw fail("socket(AF_PACKET)", e)
        }
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

        func setInt(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(SwitchError) {
            var v = value
            if case .failure(let e) = system.setsockopt(fd, level, name, &v, 4) { throw fail(label, e) }
        }
        try setInt(solPacket, packetVersion, tpacketV2, "setsockopt(PACKET_VERSION, TPACKET_V2)")
        // Before the rings: the kernel refuses PACKET_VNET_HDR with EBUSY once one exists.
        try setInt(solPacket, packetVnetHdr, 1, "setsockopt(PACKET_VNET_HDR)")
        // A frame larger than its slot is queued whole on the socket
        // (TP_STATUS_COPY) instead of only cut; the VLAN tag of a queued
        // frame comes with it in a PACKET_AUXDATA message.
        try setInt(solPacket, packetCopyThresh, 1, "setsockopt(PACKET_COPY_THRESH)")
        try setInt(solPacket, packetAuxdata, 1, "setsockopt(PACKET_AUXDATA)")

        let geometry = RingGeometry(mtu: mtu, mebibytes: ringMiB)
        // Queued super-frames count against the receive buffer (tpacket_rcv
        // queues one only while sk_rmem_alloc < sk_rcvbuf): as much as the
        // ring. The kernel doubles the value. SO_RCVBUFFORCE needs
        // CAP_NET_ADMIN; without it SO_RCVBUF, capped by net.core.rmem_max.
        var rcvbuf = Int32(clamping: geometry.bytes / 2)
        if case .failure = system.setsockopt(fd, SOL_SOCKET, soRcvbufForce, &rcvbuf, 4) {
            _ = system.setsockopt(fd, SOL_SOCKET, soRcvbuf, &rcvbuf, 4)
        }

        var req = [UInt8](repeating: 0, count: clinux_tpacket_req_size())
        req.withUnsafeMutableBytes {
            clinux_tpacket_req_fill($0.baseAddress, UInt32(geometry.blockSize), UInt32(geometry.blockCount),
                                    UInt32(geometry.slotSize))
        }
        let ringResult = req.withUnsafeBytes { system.setsockopt(fd, solPacket, packetRxRing, $0.baseAddress!, $0.count) }
        if case .failure(let e) = ringResult { throw fail("setsockopt(PACKET_RX_RING)", e) }
        var txSize = 0
        if transmitRing {
            var txReq = [UInt8](repeating: 0, count: clinux_tpacket_req_size())
            txReq.withUnsafeMutableBytes {
                clinux_tpacket_req_fill($0.baseAddress, UInt32(txBlockSize), UInt32(txBlockCount), UInt32(txSlotSize))
            }
            let r = txReq.withUnsafeBytes { system.setsockopt(fd, solPacket, packetTxRing, $0.baseAddress!, $0.count) }
            if case .failure(let e) = r { throw fail("setsockopt(PACKET_TX_RING)", e) }
            txSize = txBlockSize * txBlockCount
        }
        // One mapping holds the receive ring followed by the transmit ring.
        let mappedSize = geometry.bytes + txSize
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
                                system: system, ring: ring, geometry: geometry,
                                transmitSlots: txSize / txSlotSize)
    }

    private init(interface: String, ifindex: Int32, fd: Int32, mtu: Int, driver: String, isTAP: Bool,
                 system: any PacketSystem, ring: UnsafeMutableRawPointer, geometry: RingGeometry,
                 transmitSlots: Int) {
        self.interface = interface
        self.ifindex = ifindex
        self.fd = fd
        self.mtu = mtu
        self.driver = driver
        self.isTAP = isTAP
        self.system = system
        self.ring = ring
        self.geometry = geometry
        txSlots = transmitSlots
        txRing = ring + geometry.bytes
        txFrames = .allocate(capacity: Self.txCapacity)
        txLengths = .allocate(capacity: Self.txCapacity)
    }

    /// The receive ring's layout.
    var ringGeometry: RingGeometry { geometry }

    @inline(__always)
    private var currentSlot: UnsafeMutableRawPointer {
        ring + block * geometry.blockSize + slotInBlock * geometry.slotSize
    }

    @inline(__always)
    private func advance() {
        slotInBlock += 1
        if slotInBlock == geometry.slotsPerBlock {
            slotInBlock = 0
            block = block + 1 == geometry.blockCount ? 0 : block + 1
        }
    }

    /// Hands each frame of up to `maxFrames` ready slots to `body` (frame
    /// bytes, its virtio-net header, timestamp seconds, nanoseconds), in ring
    /// order; a frame the kernel queued whole (TP_STATUS_COPY) is read from
    /// the socket into one of `buffers` at its place in that order. Every
    /// `releaseBatch` slots, and whenever `buffers` run out, calls
    /// `endOfBatch` (which must send what points into them) and then gives
    /// the slots back to the kernel and the buffers back to the pool.
    /// `dropped` is called for each frame that cannot be forwarded
    /// (truncated, unreadable). Returns the frames seen. The bytes are only
    /// valid until the next `endOfBatch`.
    @inline(__always)
    func receive(maxFrames: Int, buffers: LargeFrameBuffers,
                 _ body: (UnsafeRawBufferPointer, VirtioNetHeader, UInt32, UInt32) -> Void,
                 dropped: () -> Void, endOfBatch: () -> Void) -> Int {
        var frames = 0
        var seen = 0
        var held = 0
        var heldBlock = block, heldSlot = slotInBlock
        var frame = clinux_tpacket_frame()

        func finishBatch() {
            endOfBatch()
            buffers.reset()
            // Give the slots back, oldest first.
            for _ in 0..<held {
                clinux_tpacket2_release(ring + heldBlock * geometry.blockSize + heldSlot * geometry.slotSize)
                heldSlot += 1
                if heldSlot == geometry.slotsPerBlock {
                    heldSlot = 0
                    heldBlock = heldBlock + 1 == geometry.blockCount ? 0 : heldBlock + 1
                }
            }
            held = 0
        }

        while seen < maxFrames {
            let slot = currentSlot
            let status = clinux_tpacket2_status(slot)
            guard status & Self.statusUser != 0 else { break }
            if status & Self.statusCopy != 0 && !buffers.hasFree && held > 0 { finishBatch() }
            if status & (Self.statusVLANValid | Self.statusCopy) == Self.statusVLANValid {
                // The kernel untags 802.1Q frames before packet sockets see
                // them (skb_vlan_untag); a switch must forward the tag.
                _ = clinux_tpacket2_restore_vlan(slot, VirtioNetHeader.size)
            }
            clinux_tpacket2_frame(slot, &frame)
            switch Self.classify(status: frame.status, snaplen: frame.snaplen, length: frame.length, pkttype: frame.pkttype) {
            case .inRing:
                if frame.status & Self.statusVLANValid != 0 {
                    dropped() // no room to put the tag back (never with the kernel's layout)
                } else {
                    // The kernel wrote the header just before the MAC header (tpacket_rcv).
                    body(UnsafeRawBufferPointer(start: frame.data, count: Int(frame.snaplen)),
                         VirtioNetHeader(at: frame.data - VirtioNetHeader.size), frame.sec, frame.nsec)
                }
                frames += 1
            case .copied:
                let whole = readQueuedFrame(into: buffers)
                if frame.pkttype != Self.pkttypeOutgoing {
                    if let (bytes, header) = whole { body(bytes, header, frame.sec, frame.nsec) } else { dropped() }
                    frames += 1
                }
            case .truncated:
                dropped()
                frames += 1
            case .outgoing:
                break
            }
            held += 1
            seen += 1
            advance()
            if held == Self.releaseBatch { finishBatch() }
        }
        if held > 0 { finishBatch() }
        return frames
    }

    /// Reads the frame the kernel queued for a TP_STATUS_COPY slot, with its
    /// virtio-net header and, from PACKET_AUXDATA, its VLAN tag put back.
    /// Nil when the queue is empty (it never is for a COPY slot) or the
    /// frame is larger than a buffer or shorter than an Ethernet header.
    private func readQueuedFrame(into buffers: LargeFrameBuffers) -> (UnsafeRawBufferPointer, VirtioNetHeader)? {
        let buffer = buffers.take()
        // 4 bytes of room in front for a VLAN tag.
        let start = buffer + 4
        let capacity = LargeFrameBuffers.bufferSize - 4
        var vlan: UInt32 = 0
        guard let n = system.receiveFrame(fd, UnsafeMutableRawBufferPointer(start: start, count: capacity), &vlan).value,
              n <= capacity, n >= VirtioNetHeader.size + 14 else { return nil }
        var headerStart = start, length = n
        if vlan != 0 {
            clinux_insert_vlan_tag(start.assumingMemoryBound(to: UInt8.self), VirtioNetHeader.size,
                                   UInt16(truncatingIfNeeded: vlan), UInt16(truncatingIfNeeded: vlan >> 16))
            headerStart = buffer
            length += 4
        }
        let bytes = UnsafeRawBufferPointer(start: headerStart + VirtioNetHeader.size, count: length - VirtioNetHeader.size)
        return (bytes, VirtioNetHeader(at: headerStart))
    }

    /// True when the next slot already belongs to user space.
    var hasReadyFrame: Bool { clinux_tpacket2_status(currentSlot) & Self.statusUser != 0 }

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
        var status = clinux_tpacket2_tx_status(slot)
        if status != 0 && status & 0x4 == 0 { // still the kernel's: send what is queued, look again
            kick()
            status = clinux_tpacket2_tx_status(slot)
        }
        if status & 0x4 != 0 { // TP_STATUS_WRONG_FORMAT: the kernel refused this slot's last frame
            clinux_tpacket2_tx_reset(slot)
            status = 0
        }
        guard status == 0 else { return false }
        let data = slot + Self.txDataOffset
        header.store(to: data)
        (data + VirtioNetHeader.size).copyMemory(from: frame.baseAddress!, byteCount: frame.count)
        clinux_tpacket2_tx_submit(slot, UInt32(frame.count + VirtioNetHeader.size))
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
        system.munmap(ring, geometry.bytes + txSlots * Self.txSlotSize)
        system.close(fd)
    }

    deinit { close() }
}
