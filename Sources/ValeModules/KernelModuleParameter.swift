/// One parameter under /sys/module/NAME/parameters (named apart from
/// ValeProtocol.ModuleParameter, the wire type, so both can be imported).
public struct KernelModuleParameter: Hashable, Sendable {
    /// File name, e.g. `max_bridges`.
    public var name: String
    /// Current value with the trailing newline removed.
    public var value: String
    /// Permission bits (0644 for runtime-writable, 0444 for load-time only).
    public var mode: UInt32

    /// True when root may change it at runtime (owner-writable, as 0644).
    public var isWritable: Bool { mode & 0o200 != 0 }
}
