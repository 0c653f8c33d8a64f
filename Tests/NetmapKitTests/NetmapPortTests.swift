#if canImport(Glibc)
import Glibc
#endif
import NetmapKit
import NetmapKitTesting
import Testing

/// Ring access over a region laid out as NETMAP-API.md 2.2.13 describes,
/// through the syscall seam.
@Suite struct NetmapPortTests {
    @Test func openRegistersMapsAndWalksTheInterface() throws {
        let kernel = SimulatedRingKernel()
        let recorder = RecordingNetmapSystemCalls(kernel: kernel)
        let port = try NetmapPort(PortName.parse("netmap:sim0"), systemCalls: recorder)
        #expect(recorder.calls.map(\.kind) == [.open, .ioctl, .mmap])
        #expect(recorder.calls[1].requestType == .register)
        #expect(recorder.calls[1].bodyField(at: 36, size: 4) == 1, "mode ALL_NIC")
        #expect(recorder.calls[2].length == Int(port.registration.memorySize))
        #expect(port.interfaceName == "sim0")
        #expect(port.txRingCount == 2 && port.rxRingCount == 2 && port.hostTXRingCount == 1 && port.hostRXRingCount == 1)
        #expect(port.registration.memoryRegion == 3)
        // ALL_NIC binds the hardware rings only: host ring entries are 0.
        #expect(port.txRing(0) != nil && port.txRing(1) != nil && port.txRing(2) == nil)
        #expect(port.rxRing(0) != nil && port.rxRing(1) != nil && port.rxRing(2) == nil)
        #expect(port.txRing(3) == nil && port.rxRing(-1) == nil)
        let rx1 = try #require(port.rxRing(1))
        #expect(rx1.isReceive && rx1.ringID == 1 && rx1.slotCount == 8 && rx1.bufferSize == 2048)
        let tx0 = try #require(port.txRing(0))
        #expect(!tx0.isReceive && tx0.available == 7, "a TX ring keeps one slot empty")
        port.close()
        #expect(!kernel.isMapped)
        #expect(recorder.calls.suffix(2).map(\.kind) == [.munmap, .close])
    }

    @Test func hostModesBindHostRings() throws {
        let port = try NetmapPort(PortName.parse("netmap:sim0^"), systemCalls: SimulatedRingKernel())
        #expect(port.txRing(0) == nil && port.txRing(2) != nil)
        let both = try NetmapPort(PortName.parse("netmap:sim0*"), systemCalls: SimulatedRingKernel())
        #expect(both.txRing(0) != nil && both.txRing(2) != nil && both.rxRing(2) != nil)
        let one = try NetmapPort(PortName.parse("netmap:sim0-1"), systemCalls: SimulatedRingKernel())
        #expect(one.txRing(0) == nil && one.txRing(1) != nil && one.rxRing(1) != nil)
    }

    @Test func transmitAndTxSync() throws {
        let kernel = SimulatedRingKernel()
        let recorder = RecordingNetmapSystemCalls(kernel: kernel)
        let port = try NetmapPort("sim0", systemCalls: recorder)
        let tx = try #require(port.txRing(0))
        for i in 0..<7 { #expect(try tx.transmit([UInt8](repeating: UInt8(i), count: 60 + i))) }
        #expect(try tx.transmit([1, 2, 3]) == false, "ring full: one slot always stays empty")
        #expect(tx.head == 7 && tx.cur == 7)
        #expect(tx.slot(3).length == 63)
        try port.txSync()
        #expect(recorder.calls.last?.request == Netmap.NIOCTXSYNC)
        #expect(kernel.transmitted.count == 7)
        #expect(kernel.transmitted[6] == [UInt8](repeating: 6, count: 66))
        #expect(tx.available == 7, "the kernel handed all slots back")
        #expect(try tx.transmit([9, 9]))
        try port.txSync()
        #expect(kernel.transmitted.last == [9, 9])
        #expect(throws: NetmapError.self) { _ = try tx.transmit([UInt8](repeating: 0, count: 2049)) }
    }

    @Test func rxSyncAndReceive() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let rx = try #require(port.rxRing(0))
        #expect(try rx.receive() == nil)
        #expect(try port.poll(events: Int16(POLLIN), timeout: 0) == 0)
        kernel.deliver((0..<10).map { [UInt8](repeating: UInt8($0), count: 64) })
        #expect(try port.poll(events: Int16(POLLIN | POLLOUT), timeout: 0) == Int16(POLLIN | POLLOUT))
        try port.rxSync()
        #expect(rx.available == 7, "one slot stays empty")
        var received: [[UInt8]] = []
        while let frame = try rx.receive() { received.append(frame) }
        try port.rxSync()
        while let frame = try rx.receive() { received.append(frame) }
        #expect(received.count == 10)
        #expect(received.map { $0[0] } == Array(0..<10))
        #expect(received.allSatisfy { $0.count == 64 })
    }

    @Test func zeroCopySwapMarksBothSlots() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let rx = try #require(port.rxRing(0)), tx = try #require(port.txRing(0))
        kernel.deliver([[0xAB, 0xCD]])
        try port.rxSync()
        let rxBuffer = rx.slot(0).bufferIndex, txBuffer = tx.slot(0).bufferIndex
        rx.swapBuffer(slot: 0, with: tx, slot: 0)
        #expect(rx.slot(0).bufferIndex == txBuffer && tx.slot(0).bufferIndex == rxBuffer)
        #expect(rx.slot(0).flags.contains(.bufferChanged) && tx.slot(0).flags.contains(.bufferChanged))
        tx.setSlot(0, length: 2, flags: .bufferChanged)
        tx.advance()
        rx.advance()
        try port.txSync()
        #expect(kernel.transmitted == [[0xAB, 0xCD]], "the received buffer went out without a copy")
    }

    @Test func buffersOutsideTheRegionAreRefused() throws {
        let kernel = SimulatedRingKernel()
        let port = try NetmapPort("sim0", systemCalls: kernel)
        let tx = try #require(port.txRing(0))
        #expect(try tx.withBuffer(slot: 0) { $0.count } == 2048)
        for bad: UInt32 in [0, 1, 1_000_000, UInt32.max] {
            kernel.overwriteBufferIndex(ring: 0, slot: 0, with: bad)
            let error = try #require(throws: NetmapError.self) { try tx.withBuffer(slot: 0) { _ in } }
            #expect(error.kind == .mapping, "buffer \(bad)")
        }
        #expect(throws: NetmapError.self) { _ = try tx.transmit([1, 2, 3]) }
    }

    @Test func failuresCloseWhatWasOpened() throws {
        let kernel = SimulatedRingKernel()
        let recorder = RecordingNetmapSystemCalls(kernel: kernel)
        recorder.forceErrno(.noSuchDeviceOrAddress, on: .ioctl)
        let error = try #require(throws: NetmapError.self) { try NetmapPort("eth9", systemCalls: recorder) }
        #expect(error.request == .register && error.errno == .noSuchDeviceOrAddress)
        #expect(recorder.calls.map(\.kind) == [.open, .ioctl, .close])
        recorder.clearCalls()
        recorder.forceErrno(.outOfMemory, on: .mmap)
        let mapError = try #require(throws: NetmapError.self) { try NetmapPort("sim0", systemCalls: recorder) }
        #expect(mapError.kind == .mapping && mapError.errno == .outOfMemory)
        #expect(recorder.calls.map(\.kind) == [.open, .ioctl, .mmap, .close])
    }

    @Test func syncErrorsNameThePort() throws {
        let recorder = RecordingNetmapSystemCalls(kernel: SimulatedRingKernel())
        let port = try NetmapPort("sim0", systemCalls: recorder)
        recorder.forceErrno(.ioError, on: .ioctl)
        let error = try #require(throws: NetmapError.self) { try port.rxSync() }
        #expect(error.description == "cannot sync the rings of sim0: NIOCRXSYNC: Input/output error (EIO)")
    }
}
