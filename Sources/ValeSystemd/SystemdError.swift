import Glibc

/// A failed libsystemd call, as a sentence naming the call and the errno.
public struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive errno libsystemd returned (negated), when there is one.
    public let errno: Int32?
    /// The full sentence.
    public let message: String

    /// Creates an error from a sentence and an optional positive errno.
    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// An error for a negative libsystemd return code.
    static func call(_ what: String, returned rc: Int32) -> SystemdError {
        let code = -rc
        return SystemdError("\(what) failed: \(String(cString: strerror(code))) (errno \(code))", errno: code)
    }

    public var description: String { message }
}
