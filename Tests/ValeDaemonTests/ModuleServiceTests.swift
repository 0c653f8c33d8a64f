import Foundation
import Synchronization
import SystemCallSeam
import Testing
import TestSupport
import ValeModules
import ValeDatapath
@testable import ValeKernelVALE
import ValeState

/// A /sys and /proc in memory where netmap is loaded, and the module calls recorded.
private final class LoadedNetmapSystem: ModuleSystemCalls {
    let deletes = Mutex<[String]>([])
    let writes = Mutex<[String]>([])
    let files: [String: String] = [
        "/proc/modules": "netmap 200000 0 - Live 0x0\n",
        "/proc/sys/kernel/modules_disabled": "0\n",
        "/sys/module/netmap/initstate": "live\n",
        "/sys/module/netmap/refcnt": "0\n",
        "/sys/module/netmap/parameters/bridge_batch": "1024\n",
        "/sys/module/netmap/parameters/max_bridges": "8\n",
    ]
    func finitModule(path: String, options: String, flags: Int32) throws(Errno) {}
    let threads = Mutex<[String]>([])
    func deleteModule(name: String, flags: Int32) throws(Errno) {
        deletes.withLock { $0.append(name) }
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        threads.withLock { $0.append(comm.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    func probeModuleSyscall() -> Errno? { .badFileDescriptor }
    func readFile(_ path: String) throws(Errno) -> String {
        guard let f = files[path] else { throw .noSuchFileOrDirectory }
        return f
    }
    func writeFile(_ path: String, contents: String) throws(Errno) {
        guard files[path] != nil else { throw .noSuchFileOrDirectory }
        writes.withLock { $0.append("\(path)=\(contents)") }
    }
    func listDirectory(_ path: String) throws(Errno) -> [String] {
        switch path {
        case "/sys/module": return ["netmap"]
        case "/sys/module/netmap": return ["initstate", "refcnt", "holders", "parameters"]
        case "/sys/module/netmap/parameters": return ["bridge_batch", "max_bridges"]
        case "/sys/module/netmap/holders": return []
        default: throw .noSuchFileOrDirectory
        }
    }
    func fileMode(_ path: String) -> UInt32? {
        if path.hasSuffix("/bridge_batch") { return 0o644 }
        return files[path] != nil ? 0o444 : (path.hasPrefix("/sys/module/netmap") ? 0o755 : nil)
    }
}

@Suite struct ModuleServiceTests {
    private func service(_ system: LoadedNetmapSystem, config: ModuleConfig = ModuleConfig()) throws -> (ModuleService, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let catalog = try ModuleCatalog(moduleDirectory: dir.path, configPaths: [dir.path])
        return (ModuleService(config: config, supervisor: ModuleSupervisor(catalog: catalog, system: system)), dir)
    }

    @Test func configuredParametersAreWrittenWhenNetmapIsAlreadyLoaded() throws {
        let system = LoadedNetmapSystem()
        var config = ModuleConfig()
        config.parameters = ["bridge_batch": "512"]
        let (modules, dir) = try service(system, config: config)
        defer { dir.remove() }
        let done = try modules.applyConfiguredParametersIfLoaded()
        #expect(done == "set netmap parameters bridge_batch=512")
        #expect(system.writes.withLock { $0 } == ["/sys/module/netmap/parameters/bridge_batch=512"])
        let info = modules.info()
        #expect(info.parameters.first { $0.name == "bridge_batch" }?.writable == true)
        #expect(info.parameters.first { $0.name == "max_bridges" }?.writable == false)
    }

    /// docs/threading.md: delete_module and finit_module block for seconds;
    /// they run on a thread of their own, not on the caller's executor (the
    /// control server's event loop, or a thread of the small shared pool).
    @Test func unloadRunsOnAThreadOfItsOwn() async throws {
        let system = LoadedNetmapSystem()
        let (modules, dir) = try service(system)
        defer { dir.remove() }
        _ = try await modules.unload(force: true, attachedPorts: [])
        #expect(system.deletes.withLock { $0 } == ["netmap"])
        #expect(system.threads.withLock { $0 } == [ModuleService.threadName])
    }

    @Test func unloadRefusesWhilePortsExistAndNamesThem() async throws {
        let system = LoadedNetmapSystem()
        let (modules, dir) = try service(system)
        defer { dir.remove() }
        #expect(modules.info().state == .loaded)
        do {
            _ = try await modules.unload(force: false, attachedPorts: ["vale0:eth1", "vale0:vm1"])
            Issue.record("unload must be refused while ports exist")
        } catch let error as DatapathError {
            #expect(error.message.contains("vale0:eth1, vale0:vm1"))
            #expect(error.message.contains("--force"))
        }
        #expect(system.deletes.withLock { $0 }.isEmpty, "nothing was unloaded")
        let forced = try await modules.unload(force: true, attachedPorts: ["vale0:eth1"])
        #expect(forced.changed)
        #expect(system.deletes.withLock { $0 } == ["netmap"])
    }
}
