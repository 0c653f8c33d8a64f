import Glibc

/// Loads, unloads and inspects netmap and the netmap-native NIC drivers:
/// libkmod (`ModuleCatalog`) resolves names, aliases, options and
/// dependencies with modprobe semantics, and the insertion and removal
/// system calls and every /sys and /proc read go through `ModuleSystemCalls`.
public final class ModuleSupervisor: Sendable {
    /// The module netmap registers as.
    public static let netmap = "netmap"
    /// netmap's control device.
    public static let controlDevice = "/dev/netmap"

    /// libkmod's view of the module directory and modprobe.d.
    public let catalog: ModuleCatalog
    /// The system-call seam.
    public let system: any ModuleSystemCalls

    /// Creates a supervisor over a catalog (`ModuleCatalog()` for the
    /// running kernel) and a seam (`LiveModuleSystemCalls()` for the kernel).
    public init(catalog: ModuleCatalog, system: any ModuleSystemCalls = LiveModuleSystemCalls()) {
        self.catalog = catalog
        self.system = system
    }

    // MARK: Kernel facts

    /// Whether modules can be loaded: `/proc/modules`, the answer of a
    /// harmless `finit_module(-1)` probe and `kernel.modules_disabled`.
    public func moduleSupport() -> ModuleSupport {
        let probe = system.probeModuleSyscall()
        if system.fileMode("/proc/modules") == nil { return .unsupported }
        if probe == .noFunction { return .blocked }
        if let disabled = try? system.readFile("/proc/sys/kernel/modules_disabled"),
           disabled.trimmingWhitespace() == "1" {
            return .disabled
        }
        return .available
    }

    /// Where module `name` stands, from `/sys/module/NAME` (`initstate`,
    /// `refcnt`, `holders/`); also `builtIn` when modules.builtin lists it.
    public func presence(of name: String) -> ModulePresence {
        let name = Self.canonical(name)
        let dir = "/sys/module/\(name)"
        if system.fileMode(dir) != nil {
            guard let state = try? system.readFile("\(dir)/initstate") else { return .builtIn }
            let refs = (try? system.readFile("\(dir)/refcnt")).flatMap { Int($0.trimmingWhitespace()) }
            let holders = (try? system.listDirectory("\(dir)/holders")) ?? []
            return .loaded(initState: state.trimmingWhitespace(), referenceCount: refs, holders: holders)
        }
        if let module = try? catalog.lookup(name).first(where: { $0.name == name }), module.isBuiltIn {
            return .builtIn
        }
        return .absent
    }

    /// netmap's state: module support, presence, and `/dev/netmap`.
    public func netmapStatus() -> NetmapStatus {
        NetmapStatus(support: moduleSupport(), presence: presence(of: Self.netmap),
                     controlDevicePresent: system.fileMode(Self.controlDevice) != nil)
    }

    // MARK: Load and unload

    /// `modprobe nameOrAlias options`: resolves with libkmod, then inserts
    /// every module of the plan not yet present, dependencies first, with
    /// modprobe.d options merged with `options` (which win). A module that
    /// is already loaded (or EEXIST from the kernel) is reported, not an error.
    @discardableResult
    public func load(_ nameOrAlias: String, options: [ModuleOption] = []) throws(ModuleError) -> [ModuleLoadStep] {
        try requireModuleSupport(verb: "load", module: nameOrAlias)
        let plan = try catalog.loadPlan(for: nameOrAlias, options: options)
        var steps: [ModuleLoadStep] = []
        for insertion in plan {
            steps.append(try insert(insertion))
        }
        return steps
    }

    /// Inserts one module file directly (`insmod`), used for patched
    /// drivers kept outside the module directory.
    @discardableResult
    public func insert(_ insertion: PlannedInsertion) throws(ModuleError) -> ModuleLoadStep {
        var step = ModuleLoadStep(module: insertion.name, path: insertion.path, options: insertion.options, outcome: .inserted)
        switch presence(of: insertion.name) {
        case .builtIn:
            step.outcome = .builtIn
            return step
        case .loaded(let state, _, _) where state != "going":
            step.outcome = .alreadyLoaded
            return step
        default:
            break
        }
        guard let path = insertion.path else {
            step.outcome = .builtIn
            return step
        }
        let compressed = [".xz", ".zst", ".gz"].contains { path.hasSuffix($0) }
        do {
            try system.finitModule(path: path, options: insertion.options, flags: compressed ? moduleInitCompressedFile : 0)
        } catch .fileExists {
            step.outcome = .alreadyLoaded
        } catch {
            throw ModuleError.insertFailed(module: insertion.name, path: path, options: insertion.options, errno: error)
        }
        return step
    }

    /// `rmmod name`: refuses while other modules or references hold it,
    /// naming the holders, then calls `delete_module(name, O_NONBLOCK)`.
    public func unload(_ name: String) throws(ModuleError) {
        let name = Self.canonical(name)
        try requireModuleSupport(verb: "unload", module: name)
        var holders: [String] = []
        switch presence(of: name) {
        case .absent:
            throw ModuleError(.notLoaded, "cannot unload \(name): module \(name) is not loaded")
        case .builtIn:
            throw ModuleError(.builtIn, "cannot unload \(name): it is built into the kernel")
        case .loaded(_, let refs, let held):
            holders = held
            if !held.isEmpty || (refs ?? 0) > 0 {
                throw ModuleError(.inUse, ModuleError.inUseSentence(prefix: "cannot unload \(name)", module: name,
                                                                     holders: held, errno: nil),
                                  holders: held)
            }
        }
        do {
            try system.deleteModule(name: name, flags: O_NONBLOCK)
        } catch {
            throw ModuleError.removeFailed(module: name, errno: error, holders: holders)
        }
    }

    // MARK: Parameters

    /// The parameters of a loaded module from `/sys/module/NAME/parameters`,
    /// with value and whether they can be changed at runtime.
    public func parameters(of module: String = ModuleSupervisor.netmap) throws(ModuleError) -> [KernelModuleParameter] {
        let module = Self.canonical(module)
        let dir = "/sys/module/\(module)/parameters"
        guard system.fileMode("/sys/module/\(module)") != nil else {
            throw ModuleError(.notLoaded, "cannot list the parameters of \(module): module \(module) is not loaded")
        }
        let names: [String]
        do { names = try system.listDirectory(dir) } catch .noSuchFileOrDirectory { return [] } catch {
            throw ModuleError(.system, "cannot list the parameters of \(module): \(dir): \(error.explanation)", errno: error)
        }
        var result: [KernelModuleParameter] = []
        for name in names {
            let path = "\(dir)/\(name)"
            let mode = system.fileMode(path) ?? 0
            // Write-only parameters (mode 0200) exist; show them without a value.
            let value = (mode & 0o444 != 0) ? ((try? system.readFile(path))?.trimmingWhitespace() ?? "") : ""
            result.append(KernelModuleParameter(name: name, value: value, mode: mode))
        }
        return result
    }

    /// Writes a runtime-writable parameter (`echo value > /sys/module/NAME/parameters/PARAM`).
    /// A load-time parameter (mode 0444) is refused with how to set it instead.
    public func setParameter(_ parameter: String, to value: String, of module: String = ModuleSupervisor.netmap) throws(ModuleError) {
        let module = Self.canonical(module)
        let path = "/sys/module/\(module)/parameters/\(parameter)"
        guard system.fileMode("/sys/module/\(module)") != nil else {
            throw ModuleError(.notLoaded, "cannot set \(module).\(parameter): module \(module) is not loaded")
        }
        guard let mode = system.fileMode(path) else {
            throw ModuleError(.unknownParameter, "cannot set \(module).\(parameter): \(module) has no parameter \(parameter)")
        }
        guard mode & 0o200 != 0 else {
            throw ModuleError(.readOnlyParameter,
                "cannot set \(module).\(parameter) at runtime: it is read-only (mode \(String(mode, radix: 8))) and takes effect only at load time (modprobe \(module) \(parameter)=\(value))")
        }
        do {
            try system.writeFile(path, contents: value)
        } catch .invalidArgument {
            throw ModuleError(.rejected, "cannot set \(module).\(parameter) to \(value): the kernel rejected the value (EINVAL)",
                              errno: .invalidArgument)
        } catch {
            throw ModuleError(.system, "cannot set \(module).\(parameter) to \(value): \(error.explanation)", errno: error)
        }
    }

    // MARK: Helpers

    func requireModuleSupport(verb: String, module: String) throws(ModuleError) {
        let support = moduleSupport()
        switch support {
        case .available: return
        case .disabled:
            throw ModuleError(.notPermitted, "cannot \(verb) \(module): \(support.sentence)")
        case .unsupported, .blocked:
            throw ModuleError(.noModuleSupport, "cannot \(verb) \(module): \(support.sentence)", errno: .noFunction)
        }
    }

    /// The kernel's spelling of a module name: dashes become underscores.
    public static func canonical(_ name: String) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
