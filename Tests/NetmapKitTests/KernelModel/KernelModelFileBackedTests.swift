import Foundation
import NetmapKit
import Testing
import VALEKernelModel

/// The file-backed model: state survives the process that made it, other
/// processes see it, and the call log records every mutating call.
@Suite struct KernelModelFileBackedTests {
    static func temporaryStateFile() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("valekm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("kernel.json").path
    }

    @Test func stateSurvivesARestartedUser() throws {
        let path = try Self.temporaryStateFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            // First "valed": attaches, creates a persistent port, then dies without closing anything.
            let model = VALEKernelModel(stateFile: path, nics: ["eth0", "eth1"])
            let control = try NetmapControl(systemCalls: model)
            _ = try control.attach("vale0:eth0", hostStack: true)
            _ = try control.newInterface("vi0")
            _ = try control.attach("vale0:vi0")
        }
        #expect(FileManager.default.fileExists(atPath: path))
        // Second "valed": same file, different NIC list: the file wins.
        let model = VALEKernelModel(stateFile: path, nics: ["other"])
        #expect(model.state.netdev("other") == nil)
        let control = try NetmapControl(systemCalls: model)
        #expect(try control.list().map(\.name) == ["vale0:eth0", "vale0:eth0^", "vale0:vi0"])
        let logBeforeRestartWork = model.callLog
        #expect(logBeforeRestartWork.map(\.request) == [.valeAttach, .valeNewInterface, .valeAttach])
        let allSucceeded = logBeforeRestartWork.allSatisfy { $0.succeeded }
        #expect(allSucceeded)
        #expect(logBeforeRestartWork[0].mode == 3)
        #expect(logBeforeRestartWork.map(\.sequence) == [1, 2, 3])
        // Listing is not logged: a reconcile that only lists leaves the log unchanged.
        _ = try control.list()
        _ = try control.lookup("vale0:eth0")
        #expect(model.callLog == logBeforeRestartWork)
        // Another process's view (a test inspecting the file).
        let seen = try VALEKernelModel.readState(stateFile: path)
        #expect(seen.listedNames == ["vale0:eth0", "vale0:eth0^", "vale0:vi0"])
        #expect(seen.calls.count == 3)
    }

    @Test func failedMutatingCallsAreLoggedWithTheirErrno() throws {
        let path = try Self.temporaryStateFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let model = VALEKernelModel(stateFile: path, nics: ["eth0"])
        let control = try NetmapControl(systemCalls: model)
        _ = try control.attach("vale0:eth0")
        _ = try? control.attach("vale1:eth0")
        _ = try? control.detach("vale0:nothere")
        let log = model.callLog
        #expect(log.map(\.errno) == [0, Errno.resourceBusy.rawValue, Errno.noSuchDeviceOrAddress.rawValue])
        let ownPID = log.allSatisfy { $0.pid == getpid() }
        #expect(ownPID)
        model.clearCallLog()
        #expect(model.callLog.isEmpty)
        #expect(model.state.listedNames == ["vale0:eth0"], "clearing the log keeps the switches")
    }

    @Test func twoInstancesOnOneFileSerialiseTheirCalls() async throws {
        let path = try Self.temporaryStateFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let nics = (0..<40).map { "n\($0)" }
        _ = VALEKernelModel(stateFile: path, nics: nics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for half in 0..<2 {
                group.addTask {
                    let model = VALEKernelModel(stateFile: path)
                    let control = try NetmapControl(systemCalls: model)
                    for i in stride(from: half, to: 40, by: 2) { _ = try control.attach("vale\(half):n\(i)") }
                }
            }
            try await group.waitForAll()
        }
        let state = try VALEKernelModel.readState(stateFile: path)
        #expect(state.listedNames.count == 40, "no attach may be lost between the two writers")
        #expect(state.calls.count == 40)
        #expect(Set(state.calls.map(\.sequence)).count == 40)
    }

    @Test func ephemeralPortsOfADeadProcessDisappear() throws {
        let path = try Self.temporaryStateFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let model = VALEKernelModel(stateFile: path)
        // A process that has exited: its pid no longer exists.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let deadPID = process.processIdentifier
        try model.addEphemeralPort("vale0:vm1")
        model.mutate { state in
            state.switches[0]!.ports[0]!.holders = ["\(deadPID):1000"]
        }
        #expect(model.state.listedNames == ["vale0:vm1"])
        _ = try NetmapControl(systemCalls: model)  // the next open notices the dead holder
        #expect(model.state.listedNames.isEmpty)
    }

    @Test func stateFileIsJSON() throws {
        let path = try Self.temporaryStateFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let model = VALEKernelModel(stateFile: path, nics: ["eth0"])
        _ = try NetmapControl(systemCalls: model).attach("vale0:eth0")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(object?["calls"] != nil)
        #expect(object?["switches"] != nil)
        #expect((object?["netdevs"] as? [Any])?.count == 1)
    }
}
