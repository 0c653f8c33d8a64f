import Foundation
import SystemCallSeam
import Testing
@testable import ValeModules

/// The live seam against this machine's kernel. CI's kernel has no module
/// support; the same tests check the opposite answer where it has.
@Suite("Module support of the running kernel")
struct RealKernelModuleTests {
    let hasProcModules = FileManager.default.fileExists(atPath: "/proc/modules")

    @Test func detectsAndReportsModuleSupport() throws {
        let supervisor = ModuleSupervisor(catalog: try ModuleCatalog(), system: LiveModuleSystemCalls())
        let support = supervisor.moduleSupport()
        if hasProcModules {
            #expect(support != .unsupported)
        } else {
            #expect(support == .unsupported)
            #expect(support.sentence == "this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath")
            // The kernel really answers ENOSYS to the module system calls.
            #expect(LiveModuleSystemCalls().probeModuleSyscall() == .noFunction)
        }
    }

    @Test func loadingOnAKernelWithoutModulesIsAClearRefusal() throws {
        try #require(!hasProcModules, "this kernel supports modules; the refusal cannot be observed here")
        let supervisor = ModuleSupervisor(catalog: try ModuleCatalog(), system: LiveModuleSystemCalls())
        let error = #expect(throws: ModuleError.self) { try supervisor.load("netmap", options: [ModuleOption("max_bridges", "16")]) }
        #expect(error?.kind == .noModuleSupport)
        #expect(error?.message == "cannot load netmap: this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath")
        let status = supervisor.netmapStatus()
        #expect(status.support == .unsupported)
        #expect(!status.kernelDatapathAvailable)
        // The raw kernel answer, through the live seam, maps to the same cause.
        do {
            try LiveModuleSystemCalls().deleteModule(name: "netmap", flags: O_NONBLOCK)
            Issue.record("delete_module succeeded on a kernel without modules")
        } catch {
            #expect(error == .noFunction)
        }
    }

    @Test func liveSeamReadsSysfs() throws {
        let live = LiveModuleSystemCalls()
        #expect(live.fileMode("/sys/module") != nil)
        #expect(live.fileMode("/nonexistent/valed") == nil)
        let modules = try live.listDirectory("/sys/module")
        #expect(!modules.isEmpty)
        #expect(throws: Errno.noSuchFileOrDirectory) { try live.readFile("/sys/module/valed_no_such_module/initstate") }
    }
}
