import ValeProtocol

/// How the control server listens and whom it trusts.
public struct ControlServerConfiguration: Sendable {
    /// Where connections come from.
    public enum Listener: Sendable, Equatable {
        /// Bind a Unix stream socket at this path: the parent directory is
        /// created, a stale socket file is removed (a live one is an
        /// error), and the socket is made connectable by everyone (0666)
        /// because every method checks the caller itself.
        case path(String)
        /// Adopt a socket that is already bound and listening, e.g. one
        /// passed by systemd socket activation (`sd_listen_fds`, fd 3).
        case boundSocket(CInt)
    }

    /// Who besides uid 0 may change state.
    public enum PrivilegedGroup: Sendable, Equatable {
        /// Members of the group with this name (`getgrnam`); nobody when
        /// the group does not exist.
        case named(String)
        /// Members of the group with this id.
        case id(UInt32)
        /// Only uid 0.
        case none
    }

    public var listener: Listener
    /// A connection with no call in progress that sends nothing for this
    /// long is closed.
    public var idleTimeout: Duration
    public var privilegedGroup: PrivilegedGroup
    /// Largest message accepted (and sent).
    public var maximumMessageSize: Int
    /// File mode of the socket created for `.path`.
    public var socketMode: UInt32

    public init(listener: Listener, idleTimeout: Duration = .seconds(60), privilegedGroup: PrivilegedGroup = .named("valed"),
                maximumMessageSize: Int = VarlinkFraming.maximumMessageSize, socketMode: UInt32 = 0o666) {
        self.listener = listener
        self.idleTimeout = idleTimeout
        self.privilegedGroup = privilegedGroup
        self.maximumMessageSize = maximumMessageSize
        self.socketMode = socketMode
    }
}
