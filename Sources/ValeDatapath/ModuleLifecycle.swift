/// The kernel module under a datapath (netmap through ValeModules), as the
/// control API sees it. Throws `DatapathError`.
public protocol ModuleProviding: Sendable {
    func info() -> ModuleStatus
    func load() async throws -> ModuleChange
    /// Refuses while `attachedPorts` is not empty, unless `force`.
    func unload(force: Bool, attachedPorts: [String]) async throws -> ModuleChange
    /// One line for `valectl status` and logs.
    var summary: String { get }
}

/// The module's state, parameters and users.
public struct ModuleStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case loaded, builtin, absent, unsupported, error
    }

    /// A module parameter and whether it can be changed at run time.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String
        public var writable: Bool
        public init(name: String, value: String, writable: Bool) { self.name = name; self.value = value; self.writable = writable }
    }

    public var name: String
    public var state: State
    public var reason: String
    public var apiVersion: Int?
    public var parameters: [Parameter]
    /// Modules holding it (`/sys/module/NAME/holders`).
    public var usedBy: [String]

    public init(name: String = "netmap", state: State, reason: String, apiVersion: Int? = nil,
                parameters: [Parameter] = [], usedBy: [String] = []) {
        self.name = name; self.state = state; self.reason = reason; self.apiVersion = apiVersion
        self.parameters = parameters; self.usedBy = usedBy
    }
}

/// The answer to a load or unload.
public struct ModuleChange: Sendable, Hashable {
    public var module: ModuleStatus
    public var changed: Bool
    public var message: String
    public init(module: ModuleStatus, changed: Bool, message: String) { self.module = module; self.changed = changed; self.message = message }
}
