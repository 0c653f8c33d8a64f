/// Where the netmap-native build of a NIC driver comes from (`driver: native`).
public enum PatchedDriverSource: Hashable, Sendable {
    /// A directory holding netmap's build output, e.g. `/opt/netmap/LINUX`:
    /// the file `<directory>/<driver>.ko` is inserted directly.
    case directory(String)
    /// A module in the module directory resolved by name with modprobe
    /// semantics, e.g. `ixgbe` installed by netmap's `make install` under
    /// `updates/` (which depmod ranks before the stock `kernel/` copy).
    case moduleName(String)
}

/// One step of a driver swap, in the order performed.
public enum DriverSwapStep: Hashable, Sendable, CustomStringConvertible {
    /// netmap (and what it needs) made present.
    case netmapReady([ModuleLoadStep])
    /// Modules the stock driver depends on, which the patched one needs too.
    case dependenciesReady([ModuleLoadStep])
    /// The stock driver removed.
    case unloadedStock(String)
    /// The stock driver was not loaded.
    case stockNotLoaded(String)
    /// The patched driver inserted.
    case loadedPatched([ModuleLoadStep])

    public var description: String {
        switch self {
        case .netmapReady(let steps): return "netmap: " + steps.map(\.description).joined(separator: "; ")
        case .dependenciesReady(let steps): return "dependencies: " + steps.map(\.description).joined(separator: "; ")
        case .unloadedStock(let name): return "unloaded the stock \(name)"
        case .stockNotLoaded(let name): return "the stock \(name) was not loaded"
        case .loadedPatched(let steps): return "patched driver: " + steps.map(\.description).joined(separator: "; ")
        }
    }
}

extension ModuleSupervisor {
    /// Replaces the stock driver `driver` with its netmap-native build: load
    /// netmap and the stock driver's dependencies, unload the stock driver
    /// (refused while other modules hold it), insert the patched one with
    /// modprobe.d options for `driver` merged with `options`. If the patched
    /// driver cannot be inserted, the stock driver is loaded again so the
    /// NICs come back, and the error says so. The interfaces disappear and
    /// return: the caller waits for them (netlink) and re-attaches them.
    @discardableResult
    public func swapDriver(_ driver: String, to source: PatchedDriverSource,
                           options: [ModuleOption] = []) throws(ModuleError) -> [DriverSwapStep] {
        let driver = Self.canonical(driver)
        try requireModuleSupport(verb: "swap", module: driver)
        var steps: [DriverSwapStep] = []
        // Patched drivers link against netmap's symbols: netmap first (the
        // boot race of netmap issue 529 is the same ordering problem).
        steps.append(.netmapReady(try load(Self.netmap)))

        let patched: [PlannedInsertion]
        switch source {
        case .directory(let directory):
            // A file outside the module directory has no modules.dep entry:
            // borrow the stock driver's dependencies (mdio, ptp, ...).
            let stockPlan = (try? catalog.loadPlan(for: driver)) ?? []
            let dependencies = stockPlan.filter { $0.name != driver }
            var depSteps: [ModuleLoadStep] = []
            for dep in dependencies { depSteps.append(try insert(dep)) }
            if !depSteps.isEmpty { steps.append(.dependenciesReady(depSteps)) }
            let configured = (try? catalog.lookup(driver).first?.configuredOptions) ?? []
            let merged = ModuleOption.merge(configured: configured, overrides: options)
            let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            patched = [PlannedInsertion(name: driver, path: "\(trimmed)/\(driver).ko", options: ModuleOption.render(merged))]
            guard system.fileMode(patched[0].path!) != nil else {
                throw ModuleError(.notFound,
                    "cannot swap \(driver) for its netmap-native build: \(patched[0].path!) does not exist (ENOENT)", errno: .noSuchFileOrDirectory)
            }
        case .moduleName(let name):
            patched = try catalog.loadPlan(for: name, options: options)
        }

        switch presence(of: driver) {
        case .absent:
            steps.append(.stockNotLoaded(driver))
        case .builtIn:
            throw ModuleError(.builtIn,
                "cannot swap \(driver) for its netmap-native build: the stock \(driver) is built into the kernel")
        case .loaded:
            do {
                try unload(driver)
            } catch {
                throw ModuleError(error.kind, "cannot swap \(driver) for its netmap-native build: " + error.message,
                                  errno: error.errno, holders: error.holders)
            }
            steps.append(.unloadedStock(driver))
        }

        var patchedSteps: [ModuleLoadStep] = []
        do {
            for insertion in patched { patchedSteps.append(try insert(insertion)) }
        } catch {
            let restored = (try? load(driver)) != nil
            let tail = restored ? "; the stock \(driver) was loaded again" : "; the stock \(driver) could not be loaded again either"
            throw ModuleError(error.kind, "cannot swap \(driver) for its netmap-native build: " + error.message + tail,
                              errno: error.errno, holders: error.holders)
        }
        steps.append(.loadedPatched(patchedSteps))
        return steps
    }
}
