import NetmapKit
import NetmapKitTesting
import Testing
@testable import vale_pktgen

@Suite struct FrameTemplateTests {
    @Test func aMinimalFrameIsValidUDPOverIPv4() throws {
        let frame = FrameTemplate(length: 10, sourceMAC: [2, 0, 0, 0, 0, 1], destinationMAC: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                                  sourceIP: [10, 0, 0, 1], destinationIP: [10, 1, 0, 1])
        #expect(frame.bytes.count == 60, "padded to the Ethernet minimum")
        #expect(Array(frame.bytes[12..<14]) == [0x08, 0x00])
        #expect(frame.bytes[14] == 0x45 && frame.bytes[23] == 17)
        #expect(UDPTestFrame.internetChecksum(frame.bytes[14..<34]) == 0, "a correct IPv4 header sums to zero")
        #expect(Int(frame.bytes[16]) << 8 | Int(frame.bytes[17]) == 46)
        #expect(Int(frame.bytes[38]) << 8 | Int(frame.bytes[39]) == 26)
    }

    @Test func addressesParse() {
        #expect(FrameTemplate.mac("02:00:00:00:00:0a") == [2, 0, 0, 0, 0, 10])
        #expect(FrameTemplate.mac("02:00:00:00:00") == nil)
        #expect(FrameTemplate.ipv4("10.1.2.3") == [10, 1, 2, 3])
        #expect(FrameTemplate.ipv4("10.1.2.300") == nil)
    }
}

@Suite struct PacketPumpTests {
    func open(_ kernel: SimulatedRingKernel, mode: RegisterMode = .allNIC, ring: UInt16 = 0) throws -> NetmapPort {
        try NetmapPort("vale0:a", request: RegisterRequest(mode: mode, ringID: ring), systemCalls: kernel)
    }

    @Test func transmitSendsCountCopiesAcrossManySyncs() throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8
        geometry.txRings = 2
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try open(kernel)
        defer { port.close() }
        let frame = FrameTemplate(length: 60, sourceMAC: [2, 0, 0, 0, 0, 1], destinationMAC: [2, 0, 0, 0, 0, 2],
                                  sourceIP: [10, 0, 0, 1], destinationIP: [10, 0, 0, 2]).bytes
        let stats = try PacketPump(port: port, batch: 5).transmit(frame, count: 103)
        #expect(stats.packets == 103)
        #expect(stats.bytes == 103 * 60)
        #expect(kernel.transmitted.count == 103)
        #expect(kernel.transmitted.allSatisfy { $0 == frame })
        #expect(stats.syncs >= 103 / 5, "no sync carries more than the batch")
    }

    @Test func transmitStopsWhenAsked() throws {
        let kernel = SimulatedRingKernel()
        let port = try open(kernel)
        defer { port.close() }
        var calls = 0
        let stats = try PacketPump(port: port, batch: 4).transmit([UInt8](repeating: 1, count: 60), count: nil) {
            calls += 1
            return calls > 3
        }
        #expect(stats.packets == kernel.transmitted.count)
        #expect(stats.packets > 0 && stats.packets <= 12)
    }

    @Test func receiveCountsEveryDeliveredFrameAndTheirBytes() throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try open(kernel)
        defer { port.close() }
        let frames = (0..<30).map { i in [UInt8](repeating: UInt8(i), count: 60 + i) }
        kernel.deliver(frames)
        var seen: [[UInt8]] = []
        let stats = try PacketPump(port: port).receive(count: 30, inspect: { seen.append($0) })
        #expect(stats.packets == 30)
        #expect(stats.bytes == frames.reduce(0) { $0 + $1.count })
        #expect(seen == frames)
        #expect(stats.syncs >= 30 / 7, "an 8-slot ring holds 7 frames per rxsync")
    }

    @Test func aPortWithoutBoundRingsIsRefused() throws {
        let kernel = SimulatedRingKernel()
        let port = try open(kernel, mode: .oneNIC, ring: 9)  // a ring the port lacks: nothing bound
        defer { port.close() }
        #expect(throws: PumpError.self) { _ = try PacketPump(port: port).transmit([UInt8](repeating: 0, count: 60), count: 1) }
    }
}
