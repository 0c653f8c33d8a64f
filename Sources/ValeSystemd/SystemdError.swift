import SystemCallSeam

/// A failed libsystemd call, as a sentence naming the call and the errno.
public struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errno libsystemd returned (negated), when there is one.
    public let errno: Errno?
    /// The full sentence.
    public let message: String

    /// Creates an error from a sentence and an optional errno.
    public init(_ message: String, errno: Errno? = nil) {
        self.message = message
        self.errno = errno
    }

    /// An error for a negative libsystemd return code.
    static func call(_ what: String, returned rc: Int32) -> SystemdError {
        let code = Errno(rawValue: -rc)
        return SystemdError("\(what) failed: \(code.explanation)", errno: code)
    }

    public var description: String { message }
}
