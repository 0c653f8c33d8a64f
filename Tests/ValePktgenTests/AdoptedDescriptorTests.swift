import NetmapKit
import NetmapKitTesting
import Testing
@testable import vale_pktgen

/// The `--fd` path: a descriptor bound elsewhere (valed's `NetmapBinding`,
/// handed over with SCM_RIGHTS) is mapped with the size and offset its
/// REGISTER returned, without any NIOCCTRL of its own.
@Suite struct AdoptedDescriptorTests {
    @Test func aBoundDescriptorIsMappedWithoutRegisteringAgain() throws {
        let kernel = SimulatedRingKernel()
        let seam = RecordingNetmapSystemCalls(kernel: kernel)
        let binding = try NetmapBinding("p0}0", systemCalls: seam)
        #expect(seam.controlCalls.count == 1, "the holder registers once")
        #expect(seam.calls.contains { $0.kind == .mmap } == false, "holding a pipe end maps nothing")

        let port = try NetmapPort(adopting: binding.fileDescriptor, name: "p0}0", memorySize: binding.registration.memorySize,
                                  interfaceOffset: binding.registration.interfaceOffset, systemCalls: seam)
        defer { port.close() }
        #expect(seam.controlCalls.count == 1, "adopting sends no NIOCCTRL")
        #expect(port.rxRingCount == kernel.geometry.rxRings)
        let frames = (0..<5).map { [UInt8](repeating: UInt8($0), count: 60) }
        kernel.deliver(frames)
        var seen: [[UInt8]] = []
        let stats = try PacketPump(port: port).receive(count: 5, inspect: { seen.append($0) })
        #expect(stats.packets == 5)
        #expect(seen == frames)
    }

    @Test func anInconsistentOffsetIsRefusedAndTheDescriptorClosed() throws {
        let kernel = SimulatedRingKernel()
        let seam = RecordingNetmapSystemCalls(kernel: kernel)
        let binding = try NetmapBinding("p0{0", systemCalls: seam)
        #expect(throws: NetmapError.self) {
            _ = try NetmapPort(adopting: binding.fileDescriptor, name: "p0{0", memorySize: binding.registration.memorySize,
                               interfaceOffset: binding.registration.memorySize + 8, systemCalls: seam)
        }
        #expect(seam.calls.contains { $0.kind == .close && $0.fd == binding.fileDescriptor })
    }
}
