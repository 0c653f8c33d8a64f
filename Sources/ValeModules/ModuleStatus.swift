/// Whether this kernel can load modules at all.
public enum ModuleSupport: Hashable, Sendable {
    /// `/proc/modules` exists and `finit_module` is callable.
    case available
    /// A kernel built without `CONFIG_MODULES`: no `/proc/modules`, the
    /// module system calls fail with ENOSYS.
    case unsupported
    /// `/proc/modules` exists but the system calls answer ENOSYS (a seccomp
    /// filter, as in some containers).
    case blocked
    /// `kernel.modules_disabled=1`: no module can be loaded until reboot.
    case disabled

    /// True when valed may try to load or unload modules.
    public var canLoadModules: Bool { self == .available }

    /// One sentence for `valectl status` and the log.
    public var sentence: String {
        switch self {
        case .available:
            return "this kernel supports loadable modules"
        case .unsupported:
            return ModuleError.noModuleSupportSentence
        case .blocked:
            return "module system calls are blocked here (finit_module fails with ENOSYS, likely a seccomp filter); valed runs the userspace datapath"
        case .disabled:
            return "module loading is disabled until reboot (kernel.modules_disabled=1); valed can use only modules already loaded"
        }
    }
}

/// Where a module stands in the running kernel, read from /sys/module.
public enum ModulePresence: Hashable, Sendable {
    /// Neither loaded nor built in.
    case absent
    /// Compiled into the kernel (`/sys/module/NAME` without `initstate`, or
    /// listed in modules.builtin).
    case builtIn
    /// A loaded module: `initstate` (`live`, `coming`, `going`), the
    /// reference count and the modules that hold it.
    case loaded(initState: String, referenceCount: Int?, holders: [String])

    /// True for a built-in module or a live loaded one.
    public var isUsable: Bool {
        switch self {
        case .absent: return false
        case .builtIn: return true
        case .loaded(let state, _, _): return state == "live"
        }
    }
}

/// What `valectl module status` shows about netmap.
public struct NetmapStatus: Hashable, Sendable {
    /// Module support of the running kernel.
    public var support: ModuleSupport
    /// netmap in /sys/module.
    public var presence: ModulePresence
    /// True when the control device `/dev/netmap` exists.
    public var controlDevicePresent: Bool

    /// True when the kernel datapath can be used: netmap usable and /dev/netmap present.
    public var kernelDatapathAvailable: Bool { presence.isUsable && controlDevicePresent }

    /// One line for people, e.g. "netmap is loaded (live, 2 references, held by ixgbe); /dev/netmap is present".
    public var summary: String {
        let module: String
        switch presence {
        case .absent:
            module = support.canLoadModules ? "netmap is not loaded" : "netmap is not available: \(support.sentence)"
        case .builtIn:
            module = "netmap is built into the kernel"
        case .loaded(let state, let refs, let holders):
            var details = [state]
            if let refs { details.append(refs == 1 ? "1 reference" : "\(refs) references") }
            if !holders.isEmpty { details.append("held by \(holders.joined(separator: ", "))") }
            module = "netmap is loaded (\(details.joined(separator: ", ")))"
        }
        if presence == .absent && !support.canLoadModules && !controlDevicePresent { return module }
        return module + (controlDevicePresent ? "; /dev/netmap is present" : "; /dev/netmap is missing")
    }
}
