import SystemCallSeam

/// A failure of a link operation, phrased as a sentence for the user:
/// `no interface named eth9`, `eth0: feature rx-checksum is fixed by the driver`,
/// `eth0: pause frame settings are not supported by the driver (EOPNOTSUPP)`.
///
/// A struct around a private code so cases can be added without breaking
/// callers (swift-service-lifecycle's habit); match on `code`.
public struct LinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, independent of the wording.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Value: String, Sendable, Hashable {
            case noSuchInterface, featureFixed, unknownFeature, notSupported
            case permissionDenied, kernel, unavailable, restoreIncomplete, invalidArgument
        }
        fileprivate let value: Value
        public var description: String { value.rawValue }

        /// The kernel knows no interface by that name or index (ENODEV).
        public static let noSuchInterface = Code(value: .noSuchInterface)
        /// The driver does not let this feature change (not in `hw_features`).
        public static let featureFixed = Code(value: .featureFixed)
        /// This kernel has no feature by that name.
        public static let unknownFeature = Code(value: .unknownFeature)
        /// The driver or kernel does not implement the request (EOPNOTSUPP).
        public static let notSupported = Code(value: .notSupported)
        /// The caller lacks CAP_NET_ADMIN (EPERM, EACCES).
        public static let permissionDenied = Code(value: .permissionDenied)
        /// Any other error the kernel reported; `errno` holds it.
        public static let kernel = Code(value: .kernel)
        /// Netlink itself is missing (no socket, no ethtool family).
        public static let unavailable = Code(value: .unavailable)
        /// `restore` could not put back every saved value; the message lists them.
        public static let restoreIncomplete = Code(value: .restoreIncomplete)
        /// The caller passed something the kernel cannot take (bad name, bad value).
        public static let invalidArgument = Code(value: .invalidArgument)
    }

    /// The kind of failure.
    public let code: Code
    /// The interface concerned, when there is one.
    public let interface: String?
    /// The errno the kernel returned, when the failure came from the kernel.
    public let errno: Errno?
    /// The full sentence.
    public let message: String

    public var description: String { message }

    /// Builds an error whose sentence is `message` (already naming the interface).
    public init(_ code: Code, interface: String?, errno: Errno? = nil, message: String) {
        self.code = code
        self.interface = interface
        self.errno = errno
        self.message = message
    }

    static func noSuchInterface(_ name: String) -> LinkError {
        LinkError(.noSuchInterface, interface: name, errno: .noSuchDevice, message: "no interface named \(name)")
    }

    static func noSuchInterface(index: Int32) -> LinkError {
        LinkError(.noSuchInterface, interface: nil, errno: .noSuchDevice, message: "no interface with index \(index)")
    }

    /// Turns a netlink failure of `action` on `interface` into a sentence.
    /// `action` reads after "cannot", e.g. "set promiscuous mode".
    static func from(_ failure: NetlinkFailure, interface: String, action: String) -> LinkError {
        switch failure.errno {
        case .noSuchDevice?:
            return .noSuchInterface(interface)
        case .notSupported?:
            return LinkError(.notSupported, interface: interface, errno: failure.errno,
                             message: "\(interface): cannot \(action): not supported by the driver\(failure.detail)")
        case .notPermitted?, .permissionDenied?:
            return LinkError(.permissionDenied, interface: interface, errno: failure.errno,
                             message: "\(interface): cannot \(action): permission denied, CAP_NET_ADMIN is needed\(failure.detail)")
        case .invalidArgument?, .outOfRange?:
            return LinkError(.invalidArgument, interface: interface, errno: failure.errno,
                             message: "\(interface): cannot \(action): the kernel refused the value\(failure.detail)")
        case nil:
            return LinkError(.unavailable, interface: interface, errno: nil,
                             message: "\(interface): cannot \(action): \(failure.reason)")
        default:
            return LinkError(.kernel, interface: interface, errno: failure.errno,
                             message: "\(interface): cannot \(action): \(failure.reason)\(failure.detail)")
        }
    }
}

/// A failure reported by the netlink seam: an errno from the kernel (or 0
/// when libnl failed before reaching it), the kernel's extended-ACK text if
/// it sent one, and which request failed.
public struct NetlinkFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errno from the kernel's `nlmsgerr`, or from the syscall; nil when
    /// libnl failed before reaching the kernel.
    public var errno: Errno?
    /// `NLMSGERR_ATTR_MSG` from the kernel, e.g. "Unknown device name".
    public var kernelMessage: String?
    /// The request that failed, e.g. "ETHTOOL_MSG_FEATURES_SET".
    public var request: String
    /// libnl's description when the failure did not come with an errno.
    public var libraryMessage: String?

    public init(errno: Errno?, request: String, kernelMessage: String? = nil, libraryMessage: String? = nil) {
        self.errno = errno
        self.request = request
        self.kernelMessage = kernelMessage
        self.libraryMessage = libraryMessage
    }

    /// strerror text, or libnl's text.
    var reason: String {
        if let errno { return errno.message.lowercased() }
        return libraryMessage ?? "\(request) failed"
    }

    /// " (EOPNOTSUPP)" or " (EINVAL: unrecognized bit name)".
    var detail: String {
        switch (errno?.name, kernelMessage) {
        case let (name?, message?): return " (\(name): \(message))"
        case let (name?, nil): return " (\(name))"
        case let (nil, message?): return " (\(message))"
        default: return ""
        }
    }

    public var description: String { "\(request): \(reason)\(detail)" }
}
