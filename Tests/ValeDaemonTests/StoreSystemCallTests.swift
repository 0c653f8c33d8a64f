import Foundation
import Logging
import Synchronization
import SystemCallSeam
import Testing
import TestSupport
import ValeDatapath
import ValeEngine
import ValeState

/// The store's seam with a switch that makes one call fail, the rest real.
final class FailingFileCalls: FileSystemCalls {
    enum Call: Sendable { case write, fsync, rename }
    let failing = Mutex<(Call, Errno)?>(nil)
    let live = LiveFileSystemCalls()

    private func fail(_ call: Call) -> Errno? { failing.withLock { $0?.0 == call ? $0?.1 : nil } }

    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno> { live.open(path, flags, mode) }
    func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        fail(.write).map { .failure($0) } ?? live.writeAll(fd, buffer)
    }
    func fsync(_ fd: Int32) -> Result<Void, Errno> { fail(.fsync).map { .failure($0) } ?? live.fsync(fd) }
    func rename(_ from: String, _ to: String) -> Result<Void, Errno> { fail(.rename).map { .failure($0) } ?? live.rename(from, to) }
    func unlink(_ path: String) -> Result<Void, Errno> { live.unlink(path) }
    func flock(_ fd: Int32, _ operation: Int32) -> Result<Void, Errno> { live.flock(fd, operation) }
    func close(_ fd: Int32) { live.close(fd) }
}

@Suite struct StoreSystemCallTests {
    /// A state that cannot be written durably refuses the request: no
    /// datapath call, the file on disk and `list` as before, no temporary
    /// file left behind, and the sentence names the file and the errno.
    @Test(arguments: [(FailingFileCalls.Call.fsync, Errno(rawValue: EIO)), (.rename, Errno(rawValue: ENOSPC)), (.write, Errno(rawValue: ENOSPC))])
    func aStoreThatCannotSaveRefusesTheRequestAndChangesNothing(call: FailingFileCalls.Call, errno: Errno) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let calls = FailingFileCalls()
        let store = try Store(directory: dir.path + "/state", systemCalls: calls)
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        let engine = Engine(datapath: dp, store: store, configPath: "/nonexistent.yaml", logger: Logger(label: "test"))
        try await engine.start(config: ValedConfig())
        _ = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        _ = dp.takeCalls()
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        let listed = await engine.list()

        calls.failing.withLock { $0 = (call, errno) }
        do {
            _ = try await engine.attach(switchName: "vale0", interface: "eth2", hostStack: false)
            Issue.record("the attach succeeded although the state could not be saved")
        } catch let error as EngineError {
            #expect(error.description.contains("cannot save the state"), "\(error.description)")
            #expect(error.description.contains(store.path), "names the file: \(error.description)")
            #expect(error.description.hasSuffix("(\(errno.name))"), "ends with the errno: \(error.description)")
        }
        #expect(dp.takeCalls().isEmpty, "the datapath was not touched")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before, "the stored state is as before")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/state").sorted() == ["lock", "state.json"],
                "no temporary file is left")
        #expect(await engine.list() == listed)

        calls.failing.withLock { $0 = nil }
        _ = try await engine.attach(switchName: "vale0", interface: "eth2", hostStack: false)
        #expect(dp.takeCalls() == ["attach vale0:eth2"], "it works again once the store can write")
    }
}
