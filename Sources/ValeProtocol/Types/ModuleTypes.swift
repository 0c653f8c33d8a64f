/// A parameter of the netmap module (`/sys/module/netmap/parameters`).
public struct ModuleParameter: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public var writable: Bool

    public init(name: String, value: String, writable: Bool) {
        self.name = name
        self.value = value
        self.writable = writable
    }
}

/// State of a kernel module.
public enum ModuleState: String, Sendable, Hashable, Codable, CaseIterable {
    /// A loadable module is loaded.
    case loaded
    /// Compiled into the kernel.
    case builtin
    /// Not loaded.
    case absent
    /// The kernel cannot load modules (no /proc/modules, ENOSYS).
    case unsupported
    /// The last load or unload failed.
    case error
}

/// The netmap module (`ModuleInfo`).
public struct ModuleInfo: Sendable, Hashable, Codable {
    public var name: String
    public var state: ModuleState
    /// A sentence explaining the state.
    public var reason: String
    public var apiVersion: Int?
    public var parameters: [ModuleParameter]
    /// Ports that keep the module busy (`vale0:eth0`).
    public var usedBy: [String]

    public init(name: String = "netmap", state: ModuleState, reason: String, apiVersion: Int? = nil,
                parameters: [ModuleParameter] = [], usedBy: [String] = []) {
        self.name = name
        self.state = state
        self.reason = reason
        self.apiVersion = apiVersion
        self.parameters = parameters
        self.usedBy = usedBy
    }
}

/// Reply of `io.valed.ModuleStatus`.
public struct ModuleStatusReply: Sendable, Hashable, Codable {
    public var module: ModuleInfo
    public init(module: ModuleInfo) { self.module = module }
}

/// Reply of `io.valed.ModuleLoad` and `io.valed.ModuleUnload`.
public struct ModuleChangeReply: Sendable, Hashable, Codable {
    public var module: ModuleInfo
    public var changed: Bool
    public var message: String

    public init(module: ModuleInfo, changed: Bool, message: String) {
        self.module = module
        self.changed = changed
        self.message = message
    }
}

/// Parameters of `io.valed.ModuleUnload`.
public struct ModuleUnloadParameters: Sendable, Hashable, Codable {
    /// Unload even while ports exist (they are detached first).
    public var force: Bool

    public init(force: Bool = false) { self.force = force }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        force = try container.decode(Bool.self, forKey: .force, default: false)
    }
}
