import Testing
import CLinuxSupport
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// How a port hands frames with their virtio-net header to the kernel,
/// through the recording seam.
@Suite("Transmit with the virtio-net header")
struct TransmitTests {
    static func open(transmitRing: Bool, _ system: RecordingPacketSystem) throws -> PacketSocketPort {
        try PacketSocketPort.open(interface: "eth1", transmitRing: transmitRing,
                                  what: "cannot attach vale0:eth1", system: system)
    }

    @Test func aFrameGoesOutWithTheHeaderBeforeItInOneMessageWithoutACopy() throws {
        let system = RecordingPacketSystem()
        let port = try Self.open(transmitRing: false, system)
        defer { port.close() }
        let b = FrameBuilder()
        let header = b.header(gso: VirtioNetHeader.gsoTCPv4, size: 1448)
        // As in a receive ring: the kernel's header, then the frame.
        let ring = header.bytes + b.partial(payload(20_000))
        try ring.withUnsafeBytes { raw in
            let frame = UnsafeRawBufferPointer(rebasing: raw[VirtioNetHeader.size...])
            port.enqueue(frame, header: header) { _, _ in Issue.record("refused") }
            port.flush { _, _ in Issue.record("refused") }
            let messages = system.messages
            try #require(messages.count == 1)
            #expect(messages[0].address == Int(bitPattern: raw.baseAddress))
            #expect(messages[0].bytes == ring)
        }
    }

    @Test func refusedFramesAreCountedWithoutTheirHeaders() throws {
        let system = RecordingPacketSystem(failing: ["sendFrames": ENOBUFS])
        let port = try Self.open(transmitRing: false, system)
        defer { port.close() }
        let ring = [UInt8](repeating: 0, count: VirtioNetHeader.size + 1000)
        var unsent: [(UInt64, UInt64)] = []
        ring.withUnsafeBytes { raw in
            port.enqueue(UnsafeRawBufferPointer(rebasing: raw[VirtioNetHeader.size...]), header: VirtioNetHeader()) { unsent.append(($0, $1)) }
            port.flush { unsent.append(($0, $1)) }
        }
        #expect(unsent.map(\.0) == [1] && unsent.map(\.1) == [1000])
    }

    @Test func aTransmitRingGetsASuperFrameAsSegmentsBehindEmptyHeaders() throws {
        let system = RecordingPacketSystem()
        let port = try Self.open(transmitRing: true, system)
        defer { port.close() }
        let b = FrameBuilder()
        let header = b.header(gso: VirtioNetHeader.gsoTCPv4, size: 1448)
        let superFrame = b.partial(payload(4000))
        let segments = try SoftwareOffload.wireFrames(superFrame, header: header).get()
        let partial = b.partial(payload(500))
        (header.bytes + superFrame).withUnsafeBytes { raw in
            port.enqueue(UnsafeRawBufferPointer(rebasing: raw[VirtioNetHeader.size...]), header: header) { _, _ in Issue.record("refused") }
        }
        // A frame that fits a slot keeps its header: the kernel finishes the checksum.
        (b.header().bytes + partial).withUnsafeBytes { raw in
            port.enqueue(UnsafeRawBufferPointer(rebasing: raw[VirtioNetHeader.size...]), header: b.header()) { _, _ in Issue.record("refused") }
        }
        let txRing = try #require(system.lastMapping) + port.ringGeometry.bytes
        let expected = segments.map { VirtioNetHeader().bytes + $0 } + [b.header().bytes + partial]
        for (i, message) in expected.enumerated() {
            let slot = txRing + i * PacketSocketPort.txSlotSize
            #expect(clinux_tpacket2_tx_status(slot) == 1) // TP_STATUS_SEND_REQUEST
            let data = UnsafeRawBufferPointer(start: slot + PacketSocketPort.txDataOffset, count: message.count)
            #expect(Array(data) == message, "slot \(i)")
        }
        #expect(clinux_tpacket2_tx_status(txRing + expected.count * PacketSocketPort.txSlotSize) == 0)
        port.flush { _, _ in Issue.record("refused") }
        #expect(system.calls.last == "kick")
    }

    @Test func aTransmitRingDropsAnOversizeFrameThatIsNoSuperFrame() throws {
        let system = RecordingPacketSystem()
        let port = try Self.open(transmitRing: true, system)
        defer { port.close() }
        let ring = [UInt8](repeating: 0, count: VirtioNetHeader.size + 3000)
        var unsent: [(UInt64, UInt64)] = []
        ring.withUnsafeBytes { raw in
            port.enqueue(UnsafeRawBufferPointer(rebasing: raw[VirtioNetHeader.size...]), header: VirtioNetHeader()) { unsent.append(($0, $1)) }
        }
        #expect(unsent.map(\.0) == [1] && unsent.map(\.1) == [3000])
        #expect(!port.hasPendingTransmit)
    }
}
