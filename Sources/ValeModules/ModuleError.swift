import SystemCallSeam

/// A failure of a module operation, as a sentence that names the module and
/// the cause, e.g. `cannot unload netmap: netmap is in use by ixgbe, igb (EBUSY)`.
public struct ModuleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that branch on it. New kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        /// The kernel has no loadable module support (no /proc/modules, ENOSYS).
        public static let noModuleSupport = Kind("noModuleSupport")
        /// Module loading is switched off (kernel.modules_disabled) or valed lacks CAP_SYS_MODULE.
        public static let notPermitted = Kind("notPermitted")
        /// No module by that name or alias in the module directory.
        public static let notFound = Kind("notFound")
        /// The module is not loaded (unload, parameters).
        public static let notLoaded = Kind("notLoaded")
        /// The module is built into the kernel and cannot be loaded or removed.
        public static let builtIn = Kind("builtIn")
        /// Other modules or open references hold the module.
        public static let inUse = Kind("inUse")
        /// The module file is not one this kernel accepts (format, signature, options).
        public static let rejected = Kind("rejected")
        /// A parameter that does not exist.
        public static let unknownParameter = Kind("unknownParameter")
        /// A parameter that can only be set at load time (mode 0444).
        public static let readOnlyParameter = Kind("readOnlyParameter")
        /// libkmod could not read the module directory or configuration.
        public static let configuration = Kind("configuration")
        /// Anything else the kernel answered.
        public static let system = Kind("system")
    }

    /// The category of failure.
    public let kind: Kind
    /// The full sentence shown to users.
    public let message: String
    /// The errno behind the failure, when there was one.
    public let errno: Errno?
    /// Modules that hold the module (for `inUse`).
    public let holders: [String]

    /// Creates an error; `message` must be a complete sentence.
    public init(_ kind: Kind, _ message: String, errno: Errno? = nil, holders: [String] = []) {
        self.kind = kind
        self.message = message
        self.errno = errno
        self.holders = holders
    }

    public var description: String { message }

    /// The sentence every "no module support" report uses.
    public static let noModuleSupportSentence =
        "this kernel has no loadable module support (no /proc/modules); valed runs the userspace datapath"

    /// Maps an errno of `finit_module(2)` for `module` (file `path`) to an error.
    static func insertFailed(module: String, path: String, options: String, errno: Errno) -> ModuleError {
        let prefix = "cannot load \(module)"
        switch errno {
        case .noFunction:
            return ModuleError(.noModuleSupport,
                "\(prefix): this kernel has no loadable module support (finit_module: ENOSYS); valed runs the userspace datapath",
                errno: errno)
        case .noSuchFileOrDirectory:
            return ModuleError(.notFound, "\(prefix): module file \(path) does not exist (ENOENT)", errno: errno)
        case .fileExists:
            return ModuleError(.system, "\(prefix): module \(module) is already loaded (EEXIST)", errno: errno)
        case .resourceBusy:
            return ModuleError(.inUse,
                "\(prefix): module \(module) is being loaded or removed by someone else right now (EBUSY); try again",
                errno: errno)
        case .notPermitted:
            return ModuleError(.notPermitted,
                "\(prefix): not permitted (EPERM): valed needs CAP_SYS_MODULE and kernel.modules_disabled must be 0",
                errno: errno)
        case .permissionDenied:
            return ModuleError(.notPermitted, "\(prefix): cannot read \(path) (EACCES)", errno: errno)
        case .execFormatError:
            return ModuleError(.rejected,
                "\(prefix): \(path) is not a valid module for this kernel (ENOEXEC): it was built for another kernel or architecture",
                errno: errno)
        case .keyRejected, .noKey, .badMessage:
            return ModuleError(.rejected,
                "\(prefix): the kernel rejected the signature of \(path) (\(errno.name)); sign the module or disable module signature enforcement",
                errno: errno)
        case .invalidArgument:
            let what = options.isEmpty ? "the module" : "the module or its options \"\(options)\""
            return ModuleError(.rejected,
                "\(prefix): the kernel rejected \(what) (EINVAL); the kernel log (dmesg) names the reason",
                errno: errno)
        default:
            return ModuleError(.system, "\(prefix) from \(path): \(errno.explanation)", errno: errno)
        }
    }

    /// Maps an errno of `delete_module(2)` for `module` to an error.
    static func removeFailed(module: String, errno: Errno, holders: [String]) -> ModuleError {
        let prefix = "cannot unload \(module)"
        switch errno {
        case .noFunction:
            return ModuleError(.noModuleSupport,
                "\(prefix): this kernel has no loadable module support (delete_module: ENOSYS)", errno: errno)
        case .noSuchFileOrDirectory:
            return ModuleError(.notLoaded, "\(prefix): module \(module) is not loaded (ENOENT)", errno: errno)
        case .resourceBusy, .wouldBlock:
            return ModuleError(.inUse, inUseSentence(prefix: prefix, module: module, holders: holders, errno: errno),
                               errno: errno, holders: holders)
        case .notPermitted:
            return ModuleError(.notPermitted,
                "\(prefix): not permitted (EPERM): valed needs CAP_SYS_MODULE and kernel.modules_disabled must be 0",
                errno: errno)
        default:
            return ModuleError(.system, "\(prefix): \(errno.explanation)", errno: errno)
        }
    }

    static func inUseSentence(prefix: String, module: String, holders: [String], errno: Errno?) -> String {
        let suffix = errno.map { " (\($0.name))" } ?? ""
        if holders.isEmpty {
            return "\(prefix): \(module) is in use\(suffix): open /dev/netmap descriptors, attached NICs or persistent ports hold it"
        }
        return "\(prefix): \(module) is in use by \(holders.joined(separator: ", "))\(suffix); unload those first"
    }
}
