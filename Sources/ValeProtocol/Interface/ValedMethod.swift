/// The methods of the `io.valed` interface, one per valectl command.
///
/// `isReadOnly` is the authorization rule: read-only methods may be called
/// by every local user, the others only by uid 0 and members of group
/// `valed`.
public enum ValedMethod: String, CaseIterable, Sendable {
    case status = "Status"
    case list = "List"
    case attach = "Attach"
    case detach = "Detach"
    case createPort = "CreatePort"
    case deletePort = "DeletePort"
    case showPort = "ShowPort"
    case enablePolling = "EnablePolling"
    case disablePolling = "DisablePolling"
    case setVnetHeader = "SetVnetHeader"
    case apply = "Apply"
    case showConfig = "ShowConfig"
    case reload = "Reload"
    case teardown = "Teardown"
    case events = "Events"
    case moduleStatus = "ModuleStatus"
    case moduleLoad = "ModuleLoad"
    case moduleUnload = "ModuleUnload"
    case moduleReload = "ModuleReload"
    case showNIC = "ShowNIC"
    case monitor = "Monitor"
    case pipeCreate = "PipeCreate"
    case pipeDelete = "PipeDelete"
    case pipeList = "PipeList"
    case tunnelCreate = "TunnelCreate"
    case tunnelDelete = "TunnelDelete"
    case tunnelList = "TunnelList"

    /// The interface all valed methods belong to.
    public static let interfaceName = "io.valed"

    /// The fully qualified method name, e.g. `io.valed.Attach`.
    public var qualifiedName: String { "\(Self.interfaceName).\(rawValue)" }

    /// The method named `qualifiedName`, or `nil` when valed has none.
    public init?(qualifiedName: String) {
        let prefix = Self.interfaceName + "."
        guard qualifiedName.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(qualifiedName.dropFirst(prefix.count)))
    }

    /// True for methods that only read state; every caller may use them.
    public var isReadOnly: Bool {
        switch self {
        case .status, .list, .showPort, .showConfig, .events, .moduleStatus, .showNIC, .pipeList, .tunnelList:
            return true
        case .attach, .detach, .createPort, .deletePort, .enablePolling, .disablePolling, .setVnetHeader,
             .apply, .reload, .teardown, .moduleLoad, .moduleUnload, .moduleReload, .monitor,
             .pipeCreate, .pipeDelete, .tunnelCreate, .tunnelDelete:
            return false
        }
    }

    /// True for methods that answer with a stream of replies and must be
    /// called with `"more": true`.
    public var isStreaming: Bool {
        self == .events || self == .monitor
    }
}

/// The methods of the standard `org.varlink.service` interface, which
/// every caller may use.
public enum VarlinkServiceMethod: String, CaseIterable, Sendable {
    case getInfo = "GetInfo"
    case getInterfaceDescription = "GetInterfaceDescription"

    /// `org.varlink.service`.
    public static let interfaceName = "org.varlink.service"

    /// The fully qualified method name.
    public var qualifiedName: String { "\(Self.interfaceName).\(rawValue)" }

    /// The method named `qualifiedName`, or `nil`.
    public init?(qualifiedName: String) {
        let prefix = Self.interfaceName + "."
        guard qualifiedName.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(qualifiedName.dropFirst(prefix.count)))
    }
}
