import ValeDatapath
import ValeForwarding
import ValeProtocol

extension DatapathError {
    /// The one mapping of what vale-switchd answered (an `io.valed.forwarder`
    /// error) or why it did not (`ForwarderClientError`) onto a provider
    /// error: the forwarder's sentence names the object and the cause, and
    /// the kind keeps the control API's error (NotFound, Busy…) the same as
    /// when the switches lived inside valed.
    static func forwarder(_ error: any Error, doing what: String, socket: String) -> DatapathError {
        switch error {
        case let error as DatapathError:
            return error
        case ForwarderClientError.unreachable(let path, let reason):
            return DatapathError(.systemError(object: "vale-switchd"), "cannot \(what): vale-switchd is not running (socket \(path)): \(reason)")
        case ForwarderClientError.timedOut(let path, let seconds):
            return DatapathError(.systemError(object: "vale-switchd"), "cannot \(what): vale-switchd did not answer within \(seconds) s (socket \(path))")
        case ForwarderClientError.connectionLost(let path, let reason):
            return DatapathError(.systemError(object: "vale-switchd"), "cannot \(what): the connection to vale-switchd broke (socket \(path)): \(reason)")
        case let error as VarlinkError:
            func parameter(_ key: String) -> String { error.parameters[key]?.stringValue ?? "" }
            let message = error.message
            switch error.name {
            case ForwarderError.notFound: return DatapathError(.notFound(kind: parameter("kind"), name: parameter("name")), message)
            case ForwarderError.alreadyExists: return DatapathError(.alreadyExists(kind: parameter("kind"), name: parameter("name")), message)
            case ForwarderError.busy: return DatapathError(.busy(name: parameter("name")), message)
            case ForwarderError.invalidArgument: return DatapathError(.invalidArgument(parameter: parameter("parameter")), message)
            case ForwarderError.systemError: return DatapathError(.systemError(object: parameter("object")), message)
            case ForwarderError.shuttingDown: return .failed("cannot \(what): vale-switchd is stopping (\(message))")
            default: return .failed("cannot \(what): vale-switchd answered \(error.name): \(message)")
            }
        default:
            return .failed("cannot \(what): \(error) (vale-switchd at \(socket))")
        }
    }

    /// True when `error` is vale-switchd's error reply `name` (`ForwarderError`).
    static func isForwarderError(_ error: any Error, named name: String) -> Bool {
        (error as? VarlinkError)?.name == name
    }
}
