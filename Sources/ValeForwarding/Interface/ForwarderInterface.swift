import ValeProtocol

/// The `io.valed.forwarder` interface: how valed drives vale-switchd, the
/// forwarding process of the userspace datapath (docs/forwarder.md).
public enum ForwarderInterface {
    /// The interface name.
    public static let name = "io.valed.forwarder"
    /// File name of the interface description (Sources/ValeForwarding).
    public static let fileName = "io.valed.forwarder.varlink"
    /// Where vale-switchd listens unless told otherwise.
    public static let defaultSocketPath = "/run/valed/switchd.sock"
    /// Where vale-switchd keeps its port set unless told otherwise.
    public static let defaultStatePath = "/run/valed/switchd.state"

    /// What vale-switchd answers to `org.varlink.service.GetInfo`.
    public static let serviceInfo = GetInfoReply(
        vendor: "valed", product: "vale-switchd", version: ValedVersion.string,
        url: "https://github.com/valed/valed",
        interfaces: [VarlinkServiceMethod.interfaceName, name])
}

/// The methods of `io.valed.forwarder`.
public enum ForwarderMethod: String, CaseIterable, Sendable {
    case getInfo = "GetInfo"
    case createSwitch = "CreateSwitch"
    case deleteSwitch = "DeleteSwitch"
    case attach = "Attach"
    case detach = "Detach"
    case createTAP = "CreateTAP"
    case deleteTAP = "DeleteTAP"
    case list = "List"
    case monitor = "Monitor"
    case shutdown = "Shutdown"

    /// The fully qualified name, e.g. `io.valed.forwarder.Attach`.
    public var qualifiedName: String { "\(ForwarderInterface.name).\(rawValue)" }

    /// The method named `qualifiedName`, or `nil`.
    public init?(qualifiedName: String) {
        let prefix = ForwarderInterface.name + "."
        guard qualifiedName.hasPrefix(prefix) else { return nil }
        self.init(rawValue: String(qualifiedName.dropFirst(prefix.count)))
    }

    /// True for `Monitor`, which must be called with `"more": true`.
    public var isStreaming: Bool { self == .monitor }
}
