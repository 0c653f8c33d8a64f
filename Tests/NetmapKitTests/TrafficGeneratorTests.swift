#if canImport(Glibc)
import Glibc
#endif
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

    // Issue 15 item 10: the loops work like pkt-gen's.

    @Test func eachSyncCarriesEveryFreeSlotOfEveryRing() throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let report = try NetmapTrafficGenerator(port: port).send(count: 100)
        // Two TX rings of 8 slots, one always kept empty: 14 frames per NIOCTXSYNC.
        #expect(report.frames == 100 && report.syncs == (100 + 13) / 14)
        #expect(Set(kernel.transmitted.compactMap { UDPTestFrame.sequence(of: $0) }) == Set(0..<100))
    }

    @Test func aSlotWhoseBufferWasSwappedGetsTheFrameAgain() throws {
        // A pipe swaps buffers between its ends: the generator must not trust
        // a buffer it has not written, yet writes each buffer only once.
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8
        geometry.txRings = 1
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let template = UDPTestFrame(length: 64).bytes(sequence: 0xDEAD_BEEF)
        var rounds = 0
        let report = try NetmapTrafficGenerator(port: port).send(template: template, count: 40) {
            rounds += 1
            if rounds == 2 {
                // A buffer of the RX ring (zeros) moves into TX slot 3.
                kernel.overwriteBufferIndex(ring: 0, slot: 3, with: UInt32(2 + 2 * 8 + 3))
            }
            return false
        }
        #expect(report.frames == 40)
        #expect(kernel.transmitted.count == 40)
        #expect(kernel.transmitted.allSatisfy { $0 == template }, "no frame left the swapped-in buffer's zeros on the wire")
    }

    @Test func aTXBufferOutsideTheRegionIsRefusedBeforeItIsWritten() throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.txRings = 1
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try NetmapPort("sim0", systemCalls: kernel)
        kernel.overwriteBufferIndex(ring: 0, slot: 2, with: 1_000_000)
        #expect(throws: NetmapError.self) { _ = try NetmapTrafficGenerator(port: port).send(count: 5) }
    }

    @Test func theReceiverReleasesEverySlotAtOnceAndReadsPayloadOnlyWhenAsked() throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8
        let kernel = SimulatedRingKernel(geometry: geometry)
        let port = try NetmapPort("sim0", systemCalls: kernel)
        kernel.deliver((0..<5).map { UDPTestFrame().bytes(sequence: UInt32($0)) })
        // poll(POLLIN) alone syncs the ring: 5 frames in slots 0..<5.
        _ = try port.poll(events: Int16(POLLIN), timeout: 0)
        let ring = try #require(port.rxRing(0))
        #expect(ring.available == 5)
        // A payload the receiver must not touch on the fast path: a buffer outside the region.
        kernel.overwriteBufferIndex(ring: 3, slot: 1, with: 1_000_000)
        let fast = try NetmapTrafficReceiver(port: port, pollTimeout: 0).receive(count: 5, giveUpOnTimeout: true, checkSequence: false)
        #expect(fast.frames == 5 && fast.bytes == 300 && fast.syncs == 1)
        #expect(ring.head == 5 && ring.cur == 5 && ring.available == 0)

        kernel.deliver([UDPTestFrame().bytes(sequence: 9)])
        _ = try port.poll(events: Int16(POLLIN), timeout: 0)
        kernel.overwriteBufferIndex(ring: 3, slot: 5, with: 1_000_000)
        #expect(throws: NetmapError.self, "reading the sequence number checks the buffer") {
            _ = try NetmapTrafficReceiver(port: port, pollTimeout: 0).receive(count: 1)
        }
    }
}
