#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetmapKit
import Testing
import VALEKernelModel

/// The file-backed model shared by real processes: the `vale-kernel-model`
/// tool plays a VM or another valed, is killed with SIGKILL, and the state it
/// left behind is what the next process sees.
@Suite struct KernelModelProcessTests {
    /// The tool sits next to the test bundle in the build products folder.
    static var tool: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("vale-kernel-model")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("vale-kernel-model")
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    /// Starts `vale-kernel-model hold STATE NAME` and returns once it holds the port.
    static func startHolder(_ path: String, _ name: String) throws -> Process {
        let process = Process()
        process.executableURL = tool
        process.arguments = ["hold", path, name]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        #expect(line == "holding \(name)\n")
        return process
    }

    static func stateFile() throws -> (String, () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("valekm-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir.appendingPathComponent("kernel.json").path, { try? FileManager.default.removeItem(at: dir) })
    }

    @Test func anotherProcessSeesAndChangesTheSameKernel() throws {
        let (path, cleanup) = try Self.stateFile()
        defer { cleanup() }
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool.path), "vale-kernel-model not built at \(Self.tool.path)")
        let model = VALEKernelModel(stateFile: path, nics: ["eth0", "eth1"])
        _ = try NetmapControl(systemCalls: model).attach("vale0:eth0")
        let listed = try Self.run(["list", path])
        #expect(listed.status == 0)
        #expect(listed.output == "vale0:eth0 bridge_idx 0 port_idx 0\n")
        let busy = try Self.run(["attach", path, "vale1:eth0"])
        #expect(busy.status == 1)
        #expect(busy.error.hasPrefix("cannot attach vale1:eth0: eth0 is already attached to a VALE switch"))
        #expect(try Self.run(["attach", path, "vale1:eth1", "host"]).status == 0)
        #expect(try NetmapControl(systemCalls: model).list().map(\.name) == ["vale0:eth0", "vale1:eth1", "vale1:eth1^"])
        let pids = Set(model.callLog.map(\.pid))
        #expect(pids.count == 3, "calls from this process and two tool runs")
    }

    @Test func aKilledHolderLosesItsEphemeralPortButAttachmentsSurvive() throws {
        let (path, cleanup) = try Self.stateFile()
        defer { cleanup() }
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool.path), "vale-kernel-model not built at \(Self.tool.path)")
        #expect(try Self.run(["init", path, "eth0"]).status == 0)
        #expect(try Self.run(["attach", path, "vale0:eth0"]).status == 0)

        // A "VM" opens vale0:vm1 and holds it.
        let vm = try Self.startHolder(path, "vale0:vm1")
        let model = VALEKernelModel(stateFile: path)
        #expect(model.state.listedNames == ["vale0:eth0", "vale0:vm1"])
        #expect(model.callLog.last?.request == .register)
        #expect(model.callLog.last?.pid == vm.processIdentifier)

        kill(vm.processIdentifier, SIGKILL)
        vm.waitUntilExit()
        #expect(vm.terminationReason == .uncaughtSignal)

        // The next process to open the device finds the VM's port gone, the NIC still attached.
        let control = try NetmapControl(systemCalls: model)
        #expect(try control.list().map(\.name) == ["vale0:eth0"])
        let attachesAndDetaches = model.callLog.filter { $0.request == .valeAttach || $0.request == .valeDetach }
        #expect(attachesAndDetaches.count == 1, "reopening made no attach or detach call")
    }

    @Test func aNICHeldByAKilledApplicationBecomesAttachable() throws {
        let (path, cleanup) = try Self.stateFile()
        defer { cleanup() }
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool.path), "vale-kernel-model not built at \(Self.tool.path)")
        let model = VALEKernelModel(stateFile: path, nics: ["eth1"])
        let app = try Self.startHolder(path, "eth1")
        let control = try NetmapControl(systemCalls: model)
        let busy = try #require(throws: NetmapError.self) { try control.attach("vale0:eth1") }
        #expect(busy.errno == .resourceBusy)
        kill(app.processIdentifier, SIGKILL)
        app.waitUntilExit()
        let next = try NetmapControl(systemCalls: model)
        #expect(try next.attach("vale0:eth1") == 0)
    }
}
