import NetmapKit
import NetmapKitTesting
import Testing

/// pkt-gen-like sending and receiving over NetmapPort, against the simulated data path.
@Suite struct TrafficGeneratorTests {
    @Test func testFramesAreValidIPv4UDP() {
        let frame = UDPTestFrame().bytes(sequence: 0x0102_0304)
        #expect(frame.count == 60)
        #expect(Array(frame[0..<6]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(frame[12] == 0x08 && frame[13] == 0x00)
        #expect(frame[14] == 0x45 && frame[23] == 17)
        #expect(Array(frame[16..<18]) == [0, 46], "IPv4 total length = 60 - 14")
        #expect(Array(frame[38..<40]) == [0, 26], "UDP length = 46 - 20")
        // A correct header checksums to zero.
        var sum: UInt32 = 0
        for i in stride(from: 14, to: 34, by: 2) { sum += UInt32(frame[i]) << 8 | UInt32(frame[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        #expect(sum == 0xFFFF)
        #expect(UDPTestFrame.sequence(of: frame) == 0x0102_0304)
        #expect(UDPTestFrame(length: 1514).bytes().count == 1514)
        #expect(UDPTestFrame(length: 10).bytes().count == 60)
    }

    @Test func generatorSendsEveryFrameInOrder() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let report = try NetmapTrafficGenerator(port: port, burst: 5).send(count: 100)
        #expect(report.frames == 100 && report.bytes == 6000)
        #expect(report.syncs >= 100 / 5)
        #expect(kernel.transmitted.count == 100)
        // Two TX rings are used in turn, so order is per burst; every number appears once.
        #expect(Set(kernel.transmitted.compactMap { UDPTestFrame.sequence(of: $0) }) == Set(0..<100))
    }

    @Test func receiverCountsFramesAndSpotsGaps() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let frames = (0..<20).filter { $0 != 7 }.map { UDPTestFrame().bytes(sequence: UInt32($0)) }
        kernel.deliver(frames)
        var lengths: [Int] = []
        let report = try NetmapTrafficReceiver(port: port, pollTimeout: 0).receive(count: 100) { lengths.append($0.count) }
        #expect(report.frames == 19)
        #expect(report.bytes == 19 * 60)
        #expect(report.outOfOrder == 1, "the missing frame 7")
        #expect(report.timeouts == 1, "stopped when nothing more came")
        #expect(lengths.allSatisfy { $0 == 60 })
    }

    @Test func oneHostRingModeSendsOnTheHostRing() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", request: RegisterRequest(mode: .oneHost, ringID: 0), systemCalls: kernel)
        #expect(port.txRing(0) == nil && port.txRing(2) != nil)
        #expect(try NetmapTrafficGenerator(port: port).send(count: 3).frames == 3)
        #expect(kernel.transmitted.count == 3)
    }
}
