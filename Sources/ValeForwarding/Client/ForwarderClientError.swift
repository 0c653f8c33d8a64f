import ValeProtocol

/// Why a call to vale-switchd produced no reply. Replies that are Varlink
/// errors are thrown as `VarlinkError` instead (see `ForwarderError`).
public enum ForwarderClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens at the path (ENOENT, ECONNREFUSED, EACCES...).
    case unreachable(path: String, reason: String)
    /// vale-switchd did not answer within the timeout.
    case timedOut(path: String, seconds: Double)
    /// The connection broke, or a reply was not Varlink.
    case connectionLost(path: String, reason: String)

    init(_ error: VarlinkClientError, path: String) {
        switch error {
        case .unreachable(let path, let reason): self = .unreachable(path: path, reason: reason)
        case .timedOut(let path, let seconds): self = .timedOut(path: path, seconds: seconds)
        case .connectionLost(let path, let reason): self = .connectionLost(path: path, reason: reason)
        case .interrupted: self = .connectionLost(path: path, reason: "interrupted")
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let path, let reason):
            return "cannot reach vale-switchd at \(path): \(reason)"
        case .timedOut(let path, let seconds):
            return "vale-switchd at \(path) did not answer within \(seconds) s"
        case .connectionLost(let path, let reason):
            return "the connection to vale-switchd at \(path) broke: \(reason)"
        }
    }
}
