/// Reply of `org.varlink.service.GetInfo`.
public struct GetInfoReply: Sendable, Hashable, Codable {
    public var vendor: String
    public var product: String
    public var version: String
    public var url: String
    /// Interfaces the service provides, `org.varlink.service` included.
    public var interfaces: [String]

    public init(vendor: String, product: String, version: String, url: String, interfaces: [String]) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.url = url
        self.interfaces = interfaces
    }

    /// What valed answers.
    public static let valed = GetInfoReply(
        vendor: "valed", product: "valed", version: ValedVersion.string,
        url: "https://github.com/valed/valed",
        interfaces: [VarlinkServiceMethod.interfaceName, ValedMethod.interfaceName])
}

/// Parameters of `org.varlink.service.GetInterfaceDescription`.
public struct GetInterfaceDescriptionParameters: Sendable, Hashable, Codable {
    public var interface: String
    public init(interface: String) { self.interface = interface }
}

/// Reply of `org.varlink.service.GetInterfaceDescription`: the interface
/// file's text.
public struct GetInterfaceDescriptionReply: Sendable, Hashable, Codable {
    public var description: String
    public init(description: String) { self.description = description }
}

/// The description of the standard `org.varlink.service` interface, as
/// published by varlink.org, served for completeness.
public enum VarlinkServiceInterface {
    public static let description = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """
}
