/// What happened to one module of a load.
public struct ModuleLoadStep: Hashable, Sendable, CustomStringConvertible {
    /// What was done.
    public enum Outcome: Hashable, Sendable {
        /// Inserted now with `finit_module`.
        case inserted
        /// Was already loaded (found in /sys/module, or the kernel answered EEXIST).
        case alreadyLoaded
        /// Compiled into the kernel; nothing to insert.
        case builtIn
    }

    /// Module name.
    public var module: String
    /// The file inserted (nil for built-in modules).
    public var path: String?
    /// The option string given to the kernel.
    public var options: String
    /// What was done.
    public var outcome: Outcome

    public var description: String {
        switch outcome {
        case .inserted:
            return "loaded \(module) from \(path ?? "?")" + (options.isEmpty ? "" : " with \(options)")
        case .alreadyLoaded:
            return "\(module) is already loaded"
        case .builtIn:
            return "\(module) is built into the kernel"
        }
    }
}
