import SystemCallSeam

/// An error of the userspace datapath, worded for the user: it names the
/// object and the cause, e.g. `cannot attach vs0:eth9: eth9 does not exist (ENODEV)`.
public struct SwitchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure; compare against the static members.
    public struct Code: Hashable, Sendable {
        private enum Value: Hashable, Sendable {
            case noSuchSwitch, switchExists, noSuchPort, portExists, switchFull
            case noSuchInterface, notATAP, busy, invalidArgument, system
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The switch name is unknown.
        public static let noSuchSwitch = Code(.noSuchSwitch)
        /// A switch of that name exists already.
        public static let switchExists = Code(.switchExists)
        /// The port index or name is not on the switch.
        public static let noSuchPort = Code(.noSuchPort)
        /// The interface is already a port of a userspace switch.
        public static let portExists = Code(.portExists)
        /// The switch has `SwitchConfiguration.maxPorts` ports.
        public static let switchFull = Code(.switchFull)
        /// The network interface does not exist (ENODEV).
        public static let noSuchInterface = Code(.noSuchInterface)
        /// A device of that name exists and is not a TAP.
        public static let notATAP = Code(.notATAP)
        /// The object is in use (EBUSY).
        public static let busy = Code(.busy)
        /// A name or value is not acceptable.
        public static let invalidArgument = Code(.invalidArgument)
        /// Another system call failure; `errno` says which.
        public static let system = Code(.system)
    }

    /// The kind of failure.
    public var code: Code
    /// The sentence shown to the user.
    public var message: String
    /// The errno behind the failure, when a system call failed.
    public var errno: Errno?

    /// An error with a ready sentence.
    public init(_ code: Code, _ message: String, errno: Errno? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}
