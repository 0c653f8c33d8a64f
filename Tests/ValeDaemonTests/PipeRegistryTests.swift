import Foundation
import Logging
import NetmapKit
import NetmapKitTesting
import Synchronization
import Testing
import TestSupport
import VALEKernelModel
import ValeControl
import ValeDatapath
@testable import ValeEngine
@testable import ValeKernelVALE
import ValeState

/// `PipeRegistry` in-process over the VALE kernel model behind the
/// recording seam, with process liveness under the test's control.
@Suite struct PipeRegistryTests {
    final class Fixture {
        let dir: TemporaryDirectory
        let engine: Engine
        let seam: RecordingNetmapSystemCalls
        let alive = LockedValue<Set<Int32>>([])
        let registry: PipeRegistry

        init(standIns: Bool = true, seam: RecordingNetmapSystemCalls = RecordingNetmapSystemCalls(kernel: VALEKernelModel(nics: ["eth1"]))) throws {
            dir = try TemporaryDirectory()
            engine = Engine(datapath: FakeDatapath(netdevs: ["eth1"]), store: try Store(directory: dir.path + "/state"),
                            configPath: "/nonexistent.yaml", logger: Logger(label: "test"))
            self.seam = seam
            let alive = self.alive
            registry = PipeRegistry(engine: engine, systemCalls: seam, netdevExists: { $0 == "eth1" },
                                    descriptorSource: standIns ? .socketPairStandIns : .netmap,
                                    isAlive: { pid in alive.value.contains(pid) })
        }

        func caller(_ pid: Int32) -> Caller {
            alive.withLock { _ = $0.insert(pid) }
            return Caller(pid: pid, uid: 1000, gid: 1000, mayChangeState: true)
        }

        deinit { registry.closeAll(); dir.remove() }
    }

    @Test func slotsAreAskedForInTheRegisterOfBothEnds() async throws {
        let f = try Fixture()
        let reply = try await f.registry.create(name: "p0", slots: 128)
        #expect(reply.changed)
        #expect(reply.pipe.slots == 128)
        let registers = f.seam.controlCalls.filter { $0.requestType == .register }
        #expect(registers.map(\.name) == ["p0{0", "p0}0"])
        #expect(registers.allSatisfy { $0.bodyField(at: 16, size: 4) == 128 && $0.bodyField(at: 20, size: 4) == 128 && $0.bodyField(at: 36, size: 4) == 1 })
        #expect(await f.engine.storedPipes() == ["p0": StoredPipe(slots: 128)])
    }

    @Test func holdersAreListedAndForgottenWhenTheirProcessEnds() async throws {
        let f = try Fixture()
        _ = try await f.registry.create(name: "p0", slots: nil)
        let (fd, _) = try f.registry.descriptor(name: "p0", end: .slave, for: f.caller(4242))
        close(fd)
        #expect(f.registry.list().pipes.first?.holders.map { [$0.pid, $0.uid] } == [[4242, 1000]])
        #expect(throws: DatapathError.self) { _ = try f.registry.descriptor(name: "p0", end: .slave, for: f.caller(4243)) }
        f.alive.withLock { _ = $0.remove(4242) }
        #expect(f.registry.list().pipes.first?.holders == [])
        let (again, _) = try f.registry.descriptor(name: "p0", end: .slave, for: f.caller(4243))
        close(again)
    }

    @Test func deleteNamesTheProcessesThatKeepThePipeAlive() async throws {
        let f = try Fixture()
        _ = try await f.registry.create(name: "p0", slots: nil)
        let (fd, _) = try f.registry.descriptor(name: "p0", end: .master, for: f.caller(777))
        close(fd)
        let reply = try await f.registry.delete(name: "p0")
        #expect(reply.message.contains("lives on until pid 777"))
        #expect(f.registry.list().pipes.isEmpty)
        #expect(await f.engine.storedPipes().isEmpty)
        let fds = f.seam.calls.filter { $0.kind == .open }.map(\.fd)
        #expect(Set(f.seam.calls.filter { $0.kind == .close }.map(\.fd)) == Set(fds), "both netmap descriptors are closed")
    }

    @Test func deletingAPipeThatDoesNotExistChangesNothing() async throws {
        let f = try Fixture()
        _ = try await f.registry.create(name: "p0", slots: nil)
        let callsBefore = f.seam.calls.count
        let reply = try await f.registry.delete(name: "p1")
        #expect(!reply.changed)
        #expect(reply.message == "pipe p1 does not exist")
        #expect(f.registry.list().pipes.map(\.name) == ["p0"])
        #expect(await f.engine.storedPipes().keys.sorted() == ["p0"])
        #expect(f.seam.calls.count == callsBefore, "no netmap call")
    }

    @Test func aStoredPipeThatCannotBeReopenedStaysRecordedUntilDeleted() async throws {
        let f = try Fixture()
        try await f.engine.setStoredPipe("p9", StoredPipe(slots: 64))
        f.seam.forceErrno(.outOfMemory, on: .ioctl, request: .register)
        await f.registry.restore()
        #expect(f.registry.list().pipes.isEmpty)
        #expect(await f.engine.storedPipes()["p9"] != nil)
        let reply = try await f.registry.delete(name: "p9")
        #expect(reply.changed)
        #expect(await f.engine.storedPipes().isEmpty)
    }

    @Test func theNetmapSourceHandsOutADuplicateOfTheBoundDescriptor() async throws {
        // Live-like: real descriptors from the seam's open, so dup(2) works.
        let seam = RecordingNetmapSystemCalls(kernel: DevNullKernel())
        let f = try Fixture(standIns: false, seam: seam)
        _ = try await f.registry.create(name: "p0", slots: nil)
        let opened = seam.calls.filter { $0.kind == .open }.map(\.fd)
        let (fd, reply) = try f.registry.descriptor(name: "p0", end: .master, for: f.caller(1))
        defer { close(fd) }
        #expect(!opened.contains(fd), "a duplicate, not the registry's own descriptor")
        #expect(reply.portName == "p0{0")
    }
}

/// Opens /dev/null for every `open` and accepts every ioctl: real descriptor
/// numbers for code that duplicates them.
final class DevNullKernel: NetmapSystemCalls {
    func open(_ path: String, flags: Int32) throws(Errno) -> Int32 {
        let fd = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC)
        if fd < 0 { throw Errno.current }
        return fd
    }
    func close(_ fd: Int32) throws(Errno) { _ = Glibc.close(fd) }
    func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 { 0 }
    func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer { throw .noSuchDevice }
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {}
    func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int { 0 }
}
