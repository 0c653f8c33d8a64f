import Foundation
import SystemCallSeam
import Testing
import TestSupport
@testable import ValeModules

/// The supervisor's system calls through the seam: exact paths, option
/// strings and errno messages. Resolution is real libkmod on the fixture.
@Suite("ModuleSupervisor through the seam",
       .enabled(if: ModuleFixture.canBuild, "needs a C compiler and depmod to build the fixture"))
struct ModuleSupervisorTests {
    let fixture: ModuleFixture
    let catalog: ModuleCatalog

    init() throws {
        fixture = try ModuleFixture()
        catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [fixture.configDirectory])
    }

    func path(_ relative: String) -> String { fixture.moduleDirectory + "/" + relative }

    @Test func loadMergesModprobeOptionsWithConfiguredOnes() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let steps = try supervisor.load("netmap", options: [ModuleOption("max_bridges", "32"), ModuleOption("verbose", "1")])
        #expect(system.calls == [.finit(path: path("extra/netmap.ko"), options: "max_bridges=32 buf_num=200000 verbose=1", flags: 0)])
        #expect(steps.map(\.outcome) == [.inserted])
        #expect(steps.first?.description == "loaded netmap from \(path("extra/netmap.ko")) with max_bridges=32 buf_num=200000 verbose=1")
        #expect(supervisor.presence(of: "netmap") == .loaded(initState: "live", referenceCount: 0, holders: []))
    }

    @Test func loadInsertsDependenciesFirstAndSkipsLoadedOnes() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("pps_core", refcnt: 1)
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let steps = try supervisor.load("ixgbe")
        let inserted = system.calls.compactMap { call -> String? in
            if case .finit(let p, _, _) = call { return p } else { return nil }
        }
        #expect(inserted.first == path("extra/netmap.ko"))
        #expect(inserted.last == path("kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko"))
        #expect(Set(inserted) == [path("extra/netmap.ko"), path("kernel/drivers/ptp/ptp.ko"),
                                  path("kernel/drivers/net/mdio.ko"), path("kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko")])
        #expect(steps.first { $0.module == "pps_core" }?.outcome == .alreadyLoaded)
        #expect(system.calls.last == .finit(path: path("kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko"),
                                            options: "allow_unsupported_sfp=1", flags: 0))
    }

    @Test func eexistMeansAlreadyLoaded() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.failFinit(path: path("extra/netmap.ko"), with: .fileExists)
        let steps = try ModuleSupervisor(catalog: catalog, system: system).load("netmap")
        #expect(steps.map(\.outcome) == [.alreadyLoaded])
        #expect(steps.first?.description == "netmap is already loaded")
        // The mapping used when EEXIST is an error for a caller.
        let error = ModuleError.insertFailed(module: "netmap", path: path("extra/netmap.ko"), options: "", errno: .fileExists)
        #expect(error.message == "cannot load netmap: module netmap is already loaded (EEXIST)")
    }

    @Test func enoentNamesTheMissingFile() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.failFinit(path: path("extra/netmap.ko"), with: .noSuchFileOrDirectory)
        let error = #expect(throws: ModuleError.self) { try ModuleSupervisor(catalog: catalog, system: system).load("netmap") }
        #expect(error?.kind == .notFound)
        #expect(error?.message == "cannot load netmap: module file \(path("extra/netmap.ko")) does not exist (ENOENT)")
    }

    @Test func enosysFromTheKernelIsNoModuleSupport() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.failFinit(path: path("extra/netmap.ko"), with: .noFunction)
        let error = #expect(throws: ModuleError.self) { try ModuleSupervisor(catalog: catalog, system: system).load("netmap") }
        #expect(error?.kind == .noModuleSupport)
        #expect(error?.errno == .noFunction)
        #expect(error?.message == "cannot load netmap: this kernel has no loadable module support (finit_module: ENOSYS); valed runs the userspace datapath")
    }

    @Test func kernelWithoutModulesIsRefusedBeforeAnySystemCall() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem(moduleSupport: false)
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        #expect(supervisor.moduleSupport() == .unsupported)
        let error = #expect(throws: ModuleError.self) { try supervisor.load("netmap") }
        #expect(error?.message == "cannot load netmap: this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath")
        #expect(system.calls.isEmpty)
        #expect(supervisor.netmapStatus().summary ==
                "netmap is not available: this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath")
    }

    @Test func otherInsertErrnosAreSentences() throws {
        defer { fixture.remove() }
        let p = path("extra/netmap.ko")
        #expect(ModuleError.insertFailed(module: "netmap", path: p, options: "", errno: .execFormatError).message ==
                "cannot load netmap: \(p) is not a valid module for this kernel (ENOEXEC): it was built for another kernel or architecture")
        #expect(ModuleError.insertFailed(module: "netmap", path: p, options: "max_bridges=x", errno: .invalidArgument).message ==
                "cannot load netmap: the kernel rejected the module or its options \"max_bridges=x\" (EINVAL); the kernel log (dmesg) names the reason")
        #expect(ModuleError.insertFailed(module: "netmap", path: p, options: "", errno: .resourceBusy).kind == .inUse)
        #expect(ModuleError.insertFailed(module: "netmap", path: p, options: "", errno: .notPermitted).kind == .notPermitted)
    }

    @Test func unloadRefusesWithHoldersAndMakesNoCall() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap", refcnt: 2, holders: ["igb", "ixgbe"])
        let error = #expect(throws: ModuleError.self) { try ModuleSupervisor(catalog: catalog, system: system).unload("netmap") }
        #expect(error?.kind == .inUse)
        #expect(error?.holders == ["igb", "ixgbe"])
        #expect(error?.message == "cannot unload netmap: netmap is in use by igb, ixgbe; unload those first")
        #expect(system.calls.isEmpty)
    }

    @Test func unloadRefusesWhileReferencesAreOpen() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap", refcnt: 1)
        let error = #expect(throws: ModuleError.self) { try ModuleSupervisor(catalog: catalog, system: system).unload("netmap") }
        #expect(error?.message == "cannot unload netmap: netmap is in use: open /dev/netmap descriptors, attached NICs or persistent ports hold it")
        #expect(system.calls.isEmpty)
    }

    @Test func unloadCallsDeleteModuleNonBlocking() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap")
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        try supervisor.unload("netmap")
        #expect(system.calls == [.delete(name: "netmap", flags: O_NONBLOCK)])
        #expect(supervisor.presence(of: "netmap") == .absent)
    }

    @Test func unloadErrnosAreSentences() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap")
        system.failDelete("netmap", with: .resourceBusy)
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let busy = #expect(throws: ModuleError.self) { try supervisor.unload("netmap") }
        #expect(busy?.message == "cannot unload netmap: netmap is in use (EBUSY): open /dev/netmap descriptors, attached NICs or persistent ports hold it")
        system.failDelete("netmap", with: .noSuchFileOrDirectory)
        let gone = #expect(throws: ModuleError.self) { try supervisor.unload("netmap") }
        #expect(gone?.message == "cannot unload netmap: module netmap is not loaded (ENOENT)")
        system.failDelete("netmap", with: .noFunction)
        let nosys = #expect(throws: ModuleError.self) { try supervisor.unload("netmap") }
        #expect(nosys?.kind == .noModuleSupport)
        let notLoaded = #expect(throws: ModuleError.self) { try supervisor.unload("veth") }
        #expect(notLoaded?.message == "cannot unload veth: module veth is not loaded")
    }

    @Test func parametersShowValueAndWritability() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap", parameters: [
            "admode": ("0", 0o644), "max_bridges": ("8", 0o444), "buf_num": ("163840", 0o644), "ptnet_gso": ("Y", 0o644),
        ])
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let params = try supervisor.parameters()
        #expect(params.map(\.name) == ["admode", "buf_num", "max_bridges", "ptnet_gso"])
        #expect(params.first { $0.name == "max_bridges" } == KernelModuleParameter(name: "max_bridges", value: "8", mode: 0o444))
        #expect(params.first { $0.name == "max_bridges" }?.isWritable == false)
        #expect(params.first { $0.name == "admode" }?.isWritable == true)
        #expect(params.first { $0.name == "ptnet_gso" }?.value == "Y")

        try supervisor.setParameter("admode", to: "1")
        #expect(system.calls == [.write(path: "/sys/module/netmap/parameters/admode", contents: "1")])
        #expect(try supervisor.parameters().first { $0.name == "admode" }?.value == "1")

        let readOnly = #expect(throws: ModuleError.self) { try supervisor.setParameter("max_bridges", to: "32") }
        #expect(readOnly?.kind == .readOnlyParameter)
        #expect(readOnly?.message == "cannot set netmap.max_bridges at runtime: it is read-only (mode 444) and takes effect only at load time (modprobe netmap max_bridges=32)")
        let unknown = #expect(throws: ModuleError.self) { try supervisor.setParameter("nosuch", to: "1") }
        #expect(unknown?.message == "cannot set netmap.nosuch: netmap has no parameter nosuch")
        system.failWrite("/sys/module/netmap/parameters/buf_num", with: .invalidArgument)
        let rejected = #expect(throws: ModuleError.self) { try supervisor.setParameter("buf_num", to: "-1") }
        #expect(rejected?.message == "cannot set netmap.buf_num to -1: the kernel rejected the value (EINVAL)")
        #expect(system.calls.count == 2)
    }

    @Test func parametersOfAnUnloadedModuleAreRefused() throws {
        defer { fixture.remove() }
        let supervisor = ModuleSupervisor(catalog: catalog, system: FakeModuleSystem())
        let error = #expect(throws: ModuleError.self) { try supervisor.parameters() }
        #expect(error?.message == "cannot list the parameters of netmap: module netmap is not loaded")
    }

    @Test func presenceAndStatus() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        #expect(supervisor.netmapStatus().summary == "netmap is not loaded; /dev/netmap is missing")
        // Built in: /sys/module/netmap exists (it has parameters) but no initstate.
        system.addFile("/sys/module/netmap/parameters/admode", "0\n")
        system.addFile("/dev/netmap", "", mode: 0o660)
        let builtIn = supervisor.netmapStatus()
        #expect(builtIn.presence == .builtIn)
        #expect(builtIn.kernelDatapathAvailable)
        #expect(builtIn.summary == "netmap is built into the kernel; /dev/netmap is present")
        system.addLoadedModule("netmap", refcnt: 2, holders: ["ixgbe"])
        #expect(supervisor.netmapStatus().summary == "netmap is loaded (live, 2 references, held by ixgbe); /dev/netmap is present")
        system.addFile("/proc/sys/kernel/modules_disabled", "1\n")
        #expect(supervisor.moduleSupport() == .disabled)
    }

    @Test func driverSwapFromABuildDirectory() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        for dep in ["pps_core", "ptp", "mdio"] { system.addLoadedModule(dep, refcnt: 1) }
        system.addLoadedModule("ixgbe")
        system.addFile(fixture.patchedDirectory + "/ixgbe.ko", "", mode: 0o644)
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let steps = try supervisor.swapDriver("ixgbe", to: .directory(fixture.patchedDirectory),
                                              options: [ModuleOption("RSS", "4")])
        #expect(system.calls == [
            .finit(path: path("extra/netmap.ko"), options: "max_bridges=16 buf_num=200000", flags: 0),
            .delete(name: "ixgbe", flags: O_NONBLOCK),
            .finit(path: fixture.patchedDirectory + "/ixgbe.ko", options: "allow_unsupported_sfp=1 RSS=4", flags: 0),
        ])
        #expect(steps.count == 4)
        #expect(steps[2] == .unloadedStock("ixgbe"))
    }

    @Test func failedDriverSwapLoadsTheStockDriverAgain() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap", refcnt: 0)
        for dep in ["pps_core", "ptp", "mdio"] { system.addLoadedModule(dep, refcnt: 1) }
        system.addLoadedModule("ixgbe")
        system.addFile(fixture.patchedDirectory + "/ixgbe.ko", "", mode: 0o644)
        system.failFinit(path: fixture.patchedDirectory + "/ixgbe.ko", with: .execFormatError)
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let error = #expect(throws: ModuleError.self) {
            try supervisor.swapDriver("ixgbe", to: .directory(fixture.patchedDirectory))
        }
        #expect(error?.kind == .rejected)
        #expect(error?.message == "cannot swap ixgbe for its netmap-native build: cannot load ixgbe: \(fixture.patchedDirectory)/ixgbe.ko is not a valid module for this kernel (ENOEXEC): it was built for another kernel or architecture; the stock ixgbe was loaded again")
        #expect(system.calls == [
            .delete(name: "ixgbe", flags: O_NONBLOCK),
            .finit(path: fixture.patchedDirectory + "/ixgbe.ko", options: "allow_unsupported_sfp=1", flags: 0),
            .finit(path: path("kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko"), options: "allow_unsupported_sfp=1", flags: 0),
        ])
        #expect(supervisor.presence(of: "ixgbe").isUsable)
    }

    @Test func driverSwapRefusesAHeldStockDriver() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap")
        system.addLoadedModule("ixgbe", refcnt: 1, holders: ["ixgbe_vf_helper"])
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let error = #expect(throws: ModuleError.self) {
            try supervisor.swapDriver("ixgbe", to: .moduleName("ixgbe"))
        }
        #expect(error?.message == "cannot swap ixgbe for its netmap-native build: cannot unload ixgbe: ixgbe is in use by ixgbe_vf_helper; unload those first")
        #expect(!system.calls.contains(.delete(name: "ixgbe", flags: O_NONBLOCK)))
    }

    @Test func driverSwapChecksThePatchedFileBeforeUnloading() throws {
        defer { fixture.remove() }
        let system = FakeModuleSystem()
        system.addLoadedModule("netmap")
        system.addLoadedModule("ixgbe")
        let supervisor = ModuleSupervisor(catalog: catalog, system: system)
        let error = #expect(throws: ModuleError.self) {
            try supervisor.swapDriver("ixgbe", to: .directory("/opt/netmap-missing/"))
        }
        #expect(error?.message == "cannot swap ixgbe for its netmap-native build: /opt/netmap-missing/ixgbe.ko does not exist (ENOENT)")
        #expect(!system.calls.contains(.delete(name: "ixgbe", flags: O_NONBLOCK)))
    }
}
