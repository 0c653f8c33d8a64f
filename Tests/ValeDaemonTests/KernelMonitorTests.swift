import Foundation
import NetmapKit
import NetmapKitTesting
import Testing
import ValeProtocol
@testable import ValeDaemon

/// The simulated ring kernel answers poll(2) at once; this seam sleeps for
/// the timeout when nothing is ready, as the kernel would, so the reader
/// thread does not spin while a test waits.
final class WaitingPoll: NetmapSystemCalls {
    let inner: any NetmapSystemCalls
    init(_ inner: any NetmapSystemCalls) { self.inner = inner }
    func open(_ path: String, flags: Int32) throws(Errno) -> Int32 { try inner.open(path, flags: flags) }
    func close(_ fd: Int32) throws(Errno) { try inner.close(fd) }
    func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        try inner.ioctl(fd, request: request, argument: argument)
    }
    func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        try inner.mmap(length: length, protection: protection, flags: flags, fd: fd, offset: offset)
    }
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) { try inner.munmap(address, length: length) }
    func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int {
        let ready = try inner.poll(descriptors, timeout: timeout)
        if ready == 0 && timeout > 0 { usleep(UInt32(timeout) * 1000) }
        return ready
    }
}

@Suite struct KernelMonitorTests {
    static func frames(_ count: Int) -> [[UInt8]] {
        (0..<count).map { i in [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, UInt8(i)] + [UInt8](repeating: UInt8(i), count: 20 + i) }
    }

    /// Waits (bounded) until `condition` holds; the deadline only keeps a
    /// broken build from hanging, it asserts nothing about speed.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 where !condition() { usleep(10_000) }
        return condition()
    }

    @Test func framesPlacedInTheMonitorRingArriveInOrderWithTheirBytes() async throws {
        var geometry = SimulatedRingKernel.Geometry()
        geometry.slots = 8  // fewer slots than frames: several rxsyncs
        let kernel = SimulatedRingKernel(geometry: geometry)
        let seam = RecordingNetmapSystemCalls(kernel: WaitingPoll(kernel))
        let sent = Self.frames(20)
        kernel.deliver(sent)
        let monitor = KernelMonitor(systemCalls: seam, pollTimeoutMilliseconds: 20)
        let stream = try monitor.monitor(MonitorParameters(switchName: "vale0", port: "p1", direction: .rx, count: 20))
        var received: [Frame] = []
        for try await reply in stream { received += reply.frames }
        #expect(received.map { [UInt8]($0.data) } == sent)
        #expect(received.allSatisfy { $0.direction == .rx && $0.length == $0.data.count && $0.seconds > 0 })

        let register = try #require(seam.controlCalls.first)
        #expect(register.name == "vale0:p1")
        #expect(register.bodyField(at: 36, size: 4) == 1, "nr_mode NR_REG_ALL_NIC")
        #expect(register.bodyField(at: 48, size: 8) == RegisterFlags.monitorRX.rawValue, "nr_flags NR_MONITOR_RX only")
        // COUNT reached: the monitor port is unmapped and closed.
        #expect(Self.eventually { seam.calls.contains { $0.kind == .close } })
        #expect(seam.calls.contains { $0.kind == .munmap })
    }

    @Test func directionAndZeroCopyBecomeRegisterFlags() {
        #expect(KernelMonitor.flags(MonitorParameters(switchName: "v", port: "p", direction: .tx)) == .monitorTX)
        #expect(KernelMonitor.flags(MonitorParameters(switchName: "v", port: "p", direction: .both)) == [.monitorRX, .monitorTX])
        #expect(KernelMonitor.flags(MonitorParameters(switchName: "v", port: "p", direction: .rx, zeroCopy: true)) == [.monitorRX, .zeroCopyMonitor])
    }

    @Test func theClientGoingAwayClosesTheMonitorPort() async throws {
        let kernel = SimulatedRingKernel()
        let seam = RecordingNetmapSystemCalls(kernel: WaitingPoll(kernel))
        let monitor = KernelMonitor(systemCalls: seam, pollTimeoutMilliseconds: 20)
        let stream = try monitor.monitor(MonitorParameters(switchName: "vale0", port: "p1"))
        kernel.deliver(Self.frames(3))
        let task = Task {
            var count = 0
            for try await reply in stream { count += reply.frames.count }
            return count
        }
        #expect(Self.eventually { seam.calls.contains { $0.kind == .ioctl && $0.request == Netmap.NIOCRXSYNC } })
        #expect(!seam.calls.contains { $0.kind == .close }, "the port stays open while the client listens")
        task.cancel()
        _ = try? await task.value
        #expect(Self.eventually { seam.calls.contains { $0.kind == .close } }, "stream termination releases the monitor port")
        let opened = seam.calls.first { $0.kind == .open }?.fd
        #expect(seam.calls.first { $0.kind == .close }?.fd == opened)
    }

    @Test func aPortNotInNetmapModeGivesTheSentence() throws {
        let seam = RecordingNetmapSystemCalls(kernel: SimulatedRingKernel())
        seam.forceErrno(.invalidArgument, on: .ioctl, request: .register)
        let monitor = KernelMonitor(systemCalls: seam)
        do {
            _ = try monitor.monitor(MonitorParameters(switchName: "vale0", port: "vm9"))
            Issue.record("opening a monitor of a port that is not in netmap mode must fail")
        } catch let error as VarlinkError {
            #expect(error.message.contains("cannot monitor vale0:vm9"))
            #expect(error.message.contains("not in netmap mode"))
            #expect(error.message.contains("EINVAL"))
        }
        #expect(seam.calls.filter { $0.kind == .open }.count == seam.calls.filter { $0.kind == .close }.count, "the device fd is closed")
    }

    @Test func aNonPositiveCountIsRefusedBeforeOpening() {
        let seam = RecordingNetmapSystemCalls(kernel: SimulatedRingKernel())
        #expect(throws: VarlinkError.self) {
            _ = try KernelMonitor(systemCalls: seam).monitor(MonitorParameters(switchName: "vale0", port: "p1", count: 0))
        }
        #expect(seam.calls.isEmpty)
    }
}

@Suite struct StoredPipesTests {
    @Test func aStateFileWrittenBeforePipesExistedStillLoads() throws {
        var state = StoredState()
        state.pipes["p0"] = StoredPipe(slots: 512)
        let encoded = try JSONEncoder().encode(state)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(try JSONDecoder().decode(StoredState.self, from: encoded).pipes["p0"]?.slots == 512)
        object["pipes"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        let loaded = try JSONDecoder().decode(StoredState.self, from: old)
        #expect(loaded.pipes.isEmpty)
        #expect(loaded.desired == state.desired)
    }

    @Test func pipeNamesThatCannotBeNetdevsOrLookLikeVALEAreRefused() {
        #expect(PipeRegistry.problem(with: "p0") == nil)
        #expect(PipeRegistry.problem(with: "app_pipe_15char") == nil)
        #expect(PipeRegistry.problem(with: "") != nil)
        #expect(PipeRegistry.problem(with: "sixteen_chars_xx") != nil)
        #expect(PipeRegistry.problem(with: "vale0") != nil)
        #expect(PipeRegistry.problem(with: "a{b") != nil)
        #expect(PipeRegistry.portName("p0", .master) == "p0{0")
        #expect(PipeRegistry.portName("p0", .slave) == "p0}0")
    }
}
