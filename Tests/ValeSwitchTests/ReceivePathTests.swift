import Foundation
import Testing
import CLinuxSupport
import TestSupport
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// The TPACKET_V2 receive loop against a ring written as tpacket_rcv writes
/// it (the recording seam's mapping): frames in slots, frames larger than
/// a slot marked TP_STATUS_COPY and read from the socket's queue in their
/// place, truncated slots without a copy counted as drops.
@Suite("Receive ring and copy path")
struct ReceivePathTests {
    static let mac = Int(clinux_tpacket2_mac_offset(VirtioNetHeader.size))

    /// A port on the recording seam with a 1 MiB ring (512 slots of 2 KiB).
    static func port(_ system: RecordingPacketSystem) throws -> (PacketSocketPort, UnsafeMutableRawPointer) {
        let port = try PacketSocketPort.open(interface: "eth1", ringMiB: 1, what: "cannot attach vale0:eth1", system: system)
        #expect(port.ringGeometry.slotSize == 2048 && port.ringGeometry.slotsPerBlock == 64)
        return (port, try #require(system.lastMapping))
    }

    /// Writes slot `index` as the kernel would: the header before the frame,
    /// the frame cut to the slot, TP_STATUS_COPY when `copied`.
    static func fill(_ ring: UnsafeMutableRawPointer, _ index: Int, header: VirtioNetHeader = VirtioNetHeader(),
                     frame: [UInt8], copied: Bool = false, pkttype: UInt8 = 0) {
        let slot = ring + index * 2048
        let room = 2048 - mac
        let snap = min(frame.count, room)
        header.store(to: slot + mac - VirtioNetHeader.size)
        frame.withUnsafeBytes { (slot + mac).copyMemory(from: $0.baseAddress!, byteCount: snap) }
        clinux_tpacket2_fill_slot(slot, 1 | (copied ? 2 : 0), UInt32(frame.count), UInt32(snap), UInt16(mac), pkttype, 0, 0)
    }

    static func frame(_ size: Int, marker: UInt8) -> [UInt8] {
        [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + [UInt8](repeating: marker, count: size - 14)
    }

    struct Received { var frames: [[UInt8]] = []; var headers: [VirtioNetHeader] = []; var drops = 0; var batches: [Int] = [] }

    static func receive(_ port: PacketSocketPort, buffers: LargeFrameBuffers = LargeFrameBuffers()) -> (Int, Received) {
        var r = Received()
        let n = port.receive(maxFrames: 1000, buffers: buffers, { frame, header, _, _ in
            r.frames.append(Array(frame)); r.headers.append(header)
        }, dropped: { r.drops += 1 }, endOfBatch: { r.batches.append(r.frames.count) })
        return (n, r)
    }

    @Test func slotsAreClassifiedByCopyTruncationAndDirection() {
        typealias P = PacketSocketPort
        #expect(P.classify(status: 1, snaplen: 60, length: 60, pkttype: 0) == .inRing)
        #expect(P.classify(status: 1 | 2, snaplen: 1972, length: 65000, pkttype: 0) == .copied)
        #expect(P.classify(status: 1, snaplen: 1972, length: 65000, pkttype: 0) == .truncated)
        #expect(P.classify(status: 1, snaplen: 60, length: 60, pkttype: 4) == .outgoing)
        // A queued copy is read even for an outgoing frame: slots and queue stay paired.
        #expect(P.classify(status: 1 | 2, snaplen: 1972, length: 65000, pkttype: 4) == .copied)
    }

    @Test func aSuperFrameFromTheQueueKeepsItsPlaceBetweenSmallFrames() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let small1 = Self.frame(60, marker: 1), big = Self.frame(30_000, marker: 2), small2 = Self.frame(1514, marker: 3)
        let gso = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, headerLength: 66, gsoSize: 1448,
                                  checksumStart: 34, checksumOffset: 16)
        Self.fill(ring, 0, frame: small1)
        Self.fill(ring, 1, header: gso, frame: big, copied: true)
        system.queue(gso.bytes + big)
        Self.fill(ring, 2, frame: small2)
        let (n, r) = Self.receive(port)
        #expect(n == 3 && r.drops == 0)
        #expect(r.frames == [small1, big, small2])
        #expect(r.headers == [VirtioNetHeader(), gso, VirtioNetHeader()])
        #expect(system.calls.filter { $0 == "recvmsg" }.count == 1)
        // Every slot went back to the kernel after the batch.
        for i in 0..<3 { #expect(clinux_tpacket2_status(ring + i * 2048) == 0) }
        #expect(!port.hasReadyFrame)
    }

    @Test func aTruncatedSlotWithoutACopyIsOneDrop() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let small = Self.frame(100, marker: 7)
        Self.fill(ring, 0, frame: Self.frame(9000, marker: 1))  // rcvbuf was full: no TP_STATUS_COPY
        Self.fill(ring, 1, frame: small)
        let (n, r) = Self.receive(port)
        #expect(n == 2 && r.drops == 1 && r.frames == [small])
        #expect(!system.calls.contains("recvmsg"))
    }

    @Test func aCopySlotWithAnEmptyQueueIsADropNotACrash() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        Self.fill(ring, 0, frame: Self.frame(5000, marker: 1), copied: true)
        let (n, r) = Self.receive(port)
        #expect(n == 1 && r.drops == 1 && r.frames.isEmpty)
    }

    /// An attach that lost the race with the switch's deletion: stop() has
    /// closed the ports and the wake-up descriptor, so the port is refused
    /// (its caller closes it) and nothing is written to that descriptor's
    /// number, which may belong to someone else by now.
    @Test func aPortAddedToADeletedSwitchIsRefusedAndNothingIsWoken() throws {
        let system = RecordingPacketSystem()
        let datapath = try SwitchDatapath(name: "vs0", configuration: SwitchConfiguration(), clock: FakeClock(), system: system)
        datapath.stop()
        let (port, _) = try Self.port(system)
        defer { port.close() }
        let before = system.calls.count
        #expect(throws: SwitchError.self) {
            _ = try datapath.add(port, kind: .veth, hostStack: false, maxFrameSize: 1514)
        }
        #expect(!system.calls.dropFirst(before).contains("write"), "\(system.calls.dropFirst(before))")
        #expect(datapath.ports.isEmpty)
    }

    @Test func anOutgoingCopyIsReadAndSkipped() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let outgoing = Self.frame(5000, marker: 1), incoming = Self.frame(6000, marker: 2)
        Self.fill(ring, 0, frame: outgoing, copied: true, pkttype: 4)
        system.queue(VirtioNetHeader().bytes + outgoing)
        Self.fill(ring, 1, frame: incoming, copied: true)
        system.queue(VirtioNetHeader().bytes + incoming)
        let (n, r) = Self.receive(port)
        #expect(n == 1 && r.drops == 0 && r.frames == [incoming])
    }

    /// The VLAN tag of a queued frame comes in PACKET_AUXDATA; it goes back
    /// into the frame and the header's offsets move with it.
    @Test func aQueuedFrameGetsItsVLANTagBack() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let big = Self.frame(4000, marker: 9)
        let header = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, headerLength: 66, gsoSize: 1448,
                                     checksumStart: 34, checksumOffset: 16)
        Self.fill(ring, 0, header: header, frame: big, copied: true)
        system.queue(header.bytes + big, vlan: 0x88A8 << 16 | 0x2064)
        let (_, r) = Self.receive(port)
        try #require(r.frames.count == 1)
        #expect(r.frames[0] == Array(big[0..<12]) + [0x88, 0xA8, 0x20, 0x64] + Array(big[12...]))
        #expect(r.headers[0].checksumStart == 38 && r.headers[0].headerLength == 70)
    }

    /// Buffers are reused only after the frames in them were sent: when
    /// the pool runs out, the batch ends first.
    @Test func theBatchEndsBeforeTheSuperFrameBuffersAreReused() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let frames = (0..<5).map { Self.frame(3000 + $0, marker: UInt8($0)) }
        for (i, f) in frames.enumerated() {
            Self.fill(ring, i, frame: f, copied: true)
            system.queue(VirtioNetHeader().bytes + f)
        }
        let (n, r) = Self.receive(port, buffers: LargeFrameBuffers(count: 2))
        #expect(n == 5 && r.frames == frames)
        #expect(r.batches == [2, 4, 5])
    }

    /// A frame larger than a buffer is consumed from the queue and dropped.
    @Test func aQueuedFrameLargerThanABufferIsADrop() throws {
        let system = RecordingPacketSystem()
        let (port, ring) = try Self.port(system)
        defer { port.close() }
        let huge = Self.frame(LargeFrameBuffers.bufferSize + 100, marker: 1), next = Self.frame(3000, marker: 2)
        Self.fill(ring, 0, frame: huge, copied: true)
        system.queue(VirtioNetHeader().bytes + huge)
        Self.fill(ring, 1, frame: next, copied: true)
        system.queue(VirtioNetHeader().bytes + next)
        let (n, r) = Self.receive(port)
        #expect(n == 2 && r.drops == 1 && r.frames == [next])
    }
}

/// The copy path against the real kernel: frames larger than a slot are
/// queued whole on the socket (TP_STATUS_COPY) and must leave the switch in
/// the order they arrived in, between the small frames around them.
@Suite("Receive copy path in the kernel",
       .enabled(if: TestHost.hasNetworkNamespaces, "needs root and `ip netns` (network namespaces)"))
struct ReceiveCopyPathIntegrationTests {
    /// A UDP frame from VM 1 with `source`/`destination` ports; a USO
    /// super-frame of `size` bytes of payload cut into 1000-byte datagrams
    /// when `gso`.
    static func datagram(source: UInt16, destination: UInt16, size: Int, gso: Bool) -> (VirtioNetHeader, [UInt8]) {
        var b = FrameBuilder(udp: true)
        b.src4 = [10, 77, 0, 1]; b.dst4 = [10, 77, 0, 2]
        var f = b.partial(payload(size, seed: UInt32(source) << 16 | UInt32(destination)))
        f[b.l4] = UInt8(source >> 8); f[b.l4 + 1] = UInt8(source & 0xFF)
        f[b.l4 + 2] = UInt8(destination >> 8); f[b.l4 + 3] = UInt8(destination & 0xFF)
        return (gso ? b.header(gso: VirtioNetHeader.gsoUDPL4, size: 1000) : b.header(), f)
    }

    /// 20 rounds of small, super-frame (6 KiB, three slots' worth), small
    /// from one TAP to another: the receiver sees them in that order (a
    /// super-frame possibly as its segments), and the switch counted every
    /// frame once with no drop.
    @Test func superFramesKeepTheirOrderBetweenSmallFrames() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.createSwitch()
        let tap1 = uniqueName("vsa"), tap2 = uniqueName("vsb")
        for tap in [tap1, tap2] { _ = try topo.inSwitch { try $0.createTAP(tap, mtu: 1500) } }
        let sender = try topo.attach(tap1)
        try topo.attach(tap2)
        let vm1 = try topo.switchSide.perform { try FakeVM(tap: tap1, vnetHeader: true) }
        defer { vm1.close() }
        let vm2 = try topo.switchSide.perform { try FakeVM(tap: tap2, vnetHeader: true) }
        defer { vm2.close() }

        // The receiving TAP's qdisc starts after its carrier, asynchronously
        // (linkwatch): until a probe gets through, frames to it are dropped.
        let l4 = VirtioNetHeader.size + 14 + 20
        let probe = Self.datagram(source: 5999, destination: 5400, size: 100, gso: false)
        var through = false
        for _ in 0..<20 where !through {
            try vm1.write(probe.0, probe.1)
            through = vm2.read(timeoutSeconds: 1, where: { b in
                b.count > l4 + 4 && b[VirtioNetHeader.size + 23] == 17 && b[l4] == 0x17 && b[l4 + 1] == 0x6F
            }) != nil
        }
        try #require(through, "no frame got from \(tap1) to \(tap2) in 20 s")
        let before = try #require(topo.host.list().first { $0.name == topo.switchName }?.ports.first { $0.index == sender }?.counters)

        let rounds = 20
        var expected: [[UInt16]] = []
        for round in 0..<rounds {
            for (kind, size, gso) in [(5401, 200, false), (5402, 6000, true), (5403, 1400, false)] {
                let source = UInt16(6000 + round), destination = UInt16(kind)
                let (header, frame) = Self.datagram(source: source, destination: destination, size: size, gso: gso)
                try vm1.write(header, frame)
                expected.append([source, destination])
            }
        }
        // What VM 2 reads: its header, then the frame; keep the ports of our
        // datagrams, one entry per frame or run of segments.
        var seen: [[UInt16]] = []
        while seen.count < expected.count {
            guard let bytes = vm2.read(timeoutSeconds: 10, where: { b in
                b.count > l4 + 4 && b[VirtioNetHeader.size + 23] == 17
                    && (UInt16(b[l4]) << 8 | UInt16(b[l4 + 1])) >= 6000
            }) else { break }
            let ports = [UInt16(bytes[l4]) << 8 | UInt16(bytes[l4 + 1]), UInt16(bytes[l4 + 2]) << 8 | UInt16(bytes[l4 + 3])]
            if seen.last != ports { seen.append(ports) }
        }
        #expect(seen == expected)
        let counters = try #require(topo.host.list().first { $0.name == topo.switchName }?.ports.first { $0.index == sender }?.counters)
        #expect(counters.rxDrops == before.rxDrops)
        #expect(counters.rxPackets - before.rxPackets == UInt64(3 * rounds))
    }

    /// With a receive buffer too small for a second queued super-frame, the
    /// kernel cuts that one into its slot without TP_STATUS_COPY: the port
    /// counts it as one drop, delivers the rest, and the counts add up.
    @Test func aSuperFrameTheKernelCouldNotQueueIsCountedAsADrop() throws {
        let topo = try Topology()
        defer { topo.close() }
        let tap = uniqueName("vsc")
        _ = try topo.inSwitch { try $0.createTAP(tap, mtu: 1500) }
        let system = LivePacketSystem()
        let port = try topo.switchSide.perform {
            try PacketSocketPort.open(interface: tap, ringMiB: 1, what: "cannot attach \(tap)", system: system)
        }
        defer { port.close() }
        // The smallest receive buffer (SOCK_MIN_RCVBUF): one queued super-frame fills it.
        var one: Int32 = 1
        #expect(setsockopt(port.fd, SOL_SOCKET, SO_RCVBUF, &one, 4) == 0)
        let vm = try topo.switchSide.perform { try FakeVM(tap: tap, vnetHeader: true) }
        defer { vm.close() }
        let small = ReceiveCopyPathIntegrationTests.datagram(source: 6000, destination: 5401, size: 200, gso: false)
        let big = ReceiveCopyPathIntegrationTests.datagram(source: 6000, destination: 5402, size: 6000, gso: true)
        for (header, frame) in [big, big, big, small] { try vm.write(header, frame) }

        var frames: [[UInt8]] = [], drops = 0
        let deadline = Date().addingTimeInterval(10)
        while frames.count + drops < 4 && Date() < deadline {
            _ = port.receive(maxFrames: 100, buffers: LargeFrameBuffers(), { frame, _, _, _ in
                // Only our UDP frames (IPv4, protocol 17, source port 6000).
                if frame.count > 36, frame[23] == 17, frame[34] == 0x17, frame[35] == 0x70 { frames.append(Array(frame)) }
            }, dropped: { drops += 1 }, endOfBatch: {})
            usleep(10_000)
        }
        #expect(drops == 2, "the second and third super-frame found the receive buffer full")
        #expect(frames == [big.1, small.1])
    }
}
