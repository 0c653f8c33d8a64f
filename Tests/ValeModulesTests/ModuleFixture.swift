import Foundation
import TestSupport

/// A module directory built for a test: tiny relocatable ELF objects
/// compiled from C (exported symbols in `__ksymtab_strings`, aliases in
/// `.modinfo`, undefined symbols for dependencies), indexed by the real
/// `depmod -b`, plus a modprobe.d directory. libkmod reads it exactly as it
/// reads /lib/modules.
struct ModuleFixture {
    static let kernelVersion = "6.0.0-valed-fixture"
    let root: TemporaryDirectory
    var moduleDirectory: String { root.path + "/lib/modules/\(Self.kernelVersion)" }
    var configDirectory: String { root.path + "/modprobe.d" }
    /// A directory with a "netmap-native" ixgbe.ko, as netmap's build leaves it.
    var patchedDirectory: String { root.path + "/netmap-build" }

    struct Module {
        var path: String           // relative to the module directory
        var exports: [String] = []
        var uses: [String] = []
        var aliases: [String] = []
        var name: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
    }

    static let standardModules = [
        Module(path: "kernel/drivers/pps/pps_core.ko", exports: ["pps_register"]),
        Module(path: "kernel/drivers/ptp/ptp.ko", exports: ["ptp_clock_register"], uses: ["pps_register"]),
        Module(path: "kernel/drivers/net/mdio.ko", exports: ["mdio_read"]),
        Module(path: "kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko", uses: ["ptp_clock_register", "mdio_read"],
               aliases: ["pci:v00008086d000010FBsv*sd*bc*sc*i*"]),
        Module(path: "kernel/drivers/net/veth.ko"),
        Module(path: "extra/netmap.ko", exports: ["netmap_attach", "netmap_detach"]),
    ]

    static let standardConfig = """
        # test configuration in modprobe.d syntax
        options netmap max_bridges=16 buf_num=200000
        options ixgbe allow_unsupported_sfp=1
        alias vale-core netmap
        softdep ixgbe pre: netmap

        """

    /// The compiler that turns the C snippets into ELF objects: the Swift
    /// toolchain's clang is always there when `swift test` runs.
    static var compiler: String? {
        for candidate in ["clang", "cc", "gcc"] where Shell.has(candidate) { return candidate }
        return nil
    }

    static var canBuild: Bool { compiler != nil && Shell.has("depmod") }

    init(modules: [Module] = ModuleFixture.standardModules, config: String = ModuleFixture.standardConfig) throws {
        root = try TemporaryDirectory(prefix: "valed-kmod")
        let fm = FileManager.default
        try fm.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        try config.write(toFile: configDirectory + "/valed-test.conf", atomically: true, encoding: .utf8)
        for module in modules {
            try Self.compile(module, to: moduleDirectory + "/" + module.path, scratch: root.path)
        }
        try fm.createDirectory(atPath: patchedDirectory, withIntermediateDirectories: true)
        try Self.compile(Module(path: "ixgbe.ko", uses: ["netmap_attach", "ptp_clock_register", "mdio_read"]),
                         to: patchedDirectory + "/ixgbe.ko", scratch: root.path)
        try Shell.run(["depmod", "-b", root.path, Self.kernelVersion])
    }

    static func compile(_ module: Module, to output: String, scratch: String) throws {
        var c = ""
        for symbol in module.exports { c += "int \(symbol)(void) { return 0; }\n" }
        for symbol in module.uses { c += "extern int \(symbol)(void);\n" }
        c += "int \(module.name)_init(void) { return 0"
        for symbol in module.uses { c += " + \(symbol)()" }
        c += "; }\n"
        if !module.exports.isEmpty {
            let strings = module.exports.map { $0 + "\\0" }.joined()
            c += "__attribute__((section(\"__ksymtab_strings\"), used)) static const char ksymtab[] = \"\(strings)\";\n"
        }
        let modinfo = (["license=GPL"] + module.aliases.map { "alias=" + $0 }).map { $0 + "\\0" }.joined()
        c += "__attribute__((section(\".modinfo\"), used)) static const char modinfo[] = \"\(modinfo)\";\n"
        let source = scratch + "/\(module.name)-\(UUID().uuidString.prefix(6)).c"
        try c.write(toFile: source, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try Shell.run([compiler!, "-c", "-O0", "-fno-asynchronous-unwind-tables", source, "-o", output])
    }

    func remove() { root.remove() }
}
