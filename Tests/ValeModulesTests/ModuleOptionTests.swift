import SystemCallSeam
import Testing
@testable import ValeModules

@Suite("module option strings")
struct ModuleOptionTests {
    @Test func parsesLikeTheKernel() {
        #expect(ModuleOption.parse("max_bridges=16  verbose admode=1") ==
                [ModuleOption("max_bridges", "16"), ModuleOption("verbose", nil), ModuleOption("admode", "1")])
        #expect(ModuleOption.parse("name=\"a b\" x=1") == [ModuleOption("name", "a b"), ModuleOption("x", "1")])
        #expect(ModuleOption.parse("  ").isEmpty)
        #expect(ModuleOption.parse("a=") == [ModuleOption("a", "")])
    }

    @Test func callerOptionsReplaceConfiguredOnesInPlace() {
        let merged = ModuleOption.merge(configured: ModuleOption.parse("max_bridges=16 buf_num=200000"),
                                        overrides: [ModuleOption("max_bridges", "32"), ModuleOption("verbose", "1")])
        #expect(ModuleOption.render(merged) == "max_bridges=32 buf_num=200000 verbose=1")
        #expect(ModuleOption.render([ModuleOption("name", "a b"), ModuleOption("flag", nil)]) == "name=\"a b\" flag")
        #expect(ModuleOption.parse(ModuleOption.render(merged)) == merged)
    }

    @Test func supportSentences() {
        #expect(ModuleSupport.unsupported.sentence ==
                "this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath")
        #expect(!ModuleSupport.unsupported.canLoadModules)
        #expect(!ModuleSupport.disabled.canLoadModules)
        #expect(ModuleSupport.available.canLoadModules)
        #expect(ModuleSupervisor.canonical("virtio-net") == "virtio_net")
        #expect(Errno.resourceBusy.explanation == "Device or resource busy (EBUSY)")
    }
}
