import Foundation
import Testing
import TestSupport
@testable import ValeModules

/// libkmod for real, against a module directory indexed by depmod.
@Suite("libkmod against a fixture module directory",
       .enabled(if: ModuleFixture.canBuild, "needs a C compiler and depmod to build the fixture"))
struct ModuleCatalogTests {
    @Test func looksUpByNameWithPathAndModprobeOptions() throws {
        let fixture = try ModuleFixture()
        defer { fixture.remove() }
        let catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [fixture.configDirectory])
        #expect(catalog.moduleDirectory == fixture.moduleDirectory)
        let found = try catalog.lookup("netmap")
        let netmap = try #require(found.first)
        #expect(found.count == 1)
        #expect(netmap.name == "netmap")
        #expect(netmap.path == fixture.moduleDirectory + "/extra/netmap.ko")
        #expect(netmap.configuredOptions == [ModuleOption("max_bridges", "16"), ModuleOption("buf_num", "200000")])
        #expect(netmap.dependencies.isEmpty)
        #expect(!netmap.isBuiltIn)
    }

    @Test func looksUpByConfigAliasAndByModalias() throws {
        let fixture = try ModuleFixture()
        defer { fixture.remove() }
        let catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [fixture.configDirectory])
        // `alias vale-core netmap` in modprobe.d.
        #expect(try catalog.lookup("vale-core").map(\.name) == ["netmap"])
        // A PCI modalias, matched against the alias the module carries in .modinfo.
        let byDevice = try catalog.lookup("pci:v00008086d000010FBsv00008086sd0000000Cbc02sc00i00")
        #expect(byDevice.map(\.name) == ["ixgbe"])
        #expect(try catalog.lookup("no_such_module").isEmpty)
    }

    @Test func resolvesDependenciesAndSoftdepsInLoadOrder() throws {
        let fixture = try ModuleFixture()
        defer { fixture.remove() }
        let catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [fixture.configDirectory])
        let ixgbe = try #require(try catalog.lookup("ixgbe").first)
        #expect(Set(ixgbe.dependencies) == ["ptp", "pps_core", "mdio"])
        #expect(ixgbe.softPre == ["netmap"])
        #expect(ixgbe.configuredOptions == [ModuleOption("allow_unsupported_sfp", "1")])

        let plan = try catalog.loadPlan(for: "ixgbe", options: [ModuleOption("debug", "2")])
        let names = plan.map(\.name)
        #expect(Set(names) == ["netmap", "pps_core", "ptp", "mdio", "ixgbe"])
        #expect(names.count == 5)
        #expect(names.first == "netmap")              // softdep pre: before everything
        #expect(names.last == "ixgbe")
        let index = { (name: String) in names.firstIndex(of: name)! }
        #expect(index("pps_core") < index("ptp"))     // ptp needs pps_core's symbol
        #expect(plan.last?.options == "allow_unsupported_sfp=1 debug=2")
        #expect(plan.first?.options == "max_bridges=16 buf_num=200000")
        #expect(plan.first?.path == fixture.moduleDirectory + "/extra/netmap.ko")
    }

    @Test func unknownModuleIsASentence() throws {
        let fixture = try ModuleFixture()
        defer { fixture.remove() }
        let catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [fixture.configDirectory])
        let error = #expect(throws: ModuleError.self) { try catalog.loadPlan(for: "e1000x") }
        #expect(error?.kind == .notFound)
        #expect(error?.message == "cannot load e1000x: no module or alias named e1000x in \(fixture.moduleDirectory) (ENOENT)")
    }

    /// The modprobe.d file valed installs parses with libkmod and orders
    /// netmap before the patched drivers (netmap issue 529).
    @Test func shippedModprobeConfigOrdersNetmapFirst() throws {
        let fixture = try ModuleFixture(config: "")
        defer { fixture.remove() }
        let shipped = TestHost.repositoryRoot.appendingPathComponent("kernel/modprobe.d/valed-netmap.conf").path
        let catalog = try ModuleCatalog(moduleDirectory: fixture.moduleDirectory, configPaths: [shipped])
        let ixgbe = try #require(try catalog.lookup("ixgbe").first)
        #expect(ixgbe.softPre == ["netmap"])
        let plan = try catalog.loadPlan(for: "ixgbe")
        #expect(plan.first?.name == "netmap")
        let veth = try #require(try catalog.lookup("veth").first)
        #expect(veth.softPre == ["netmap"])
    }
}
