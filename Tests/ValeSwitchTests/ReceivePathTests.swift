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
