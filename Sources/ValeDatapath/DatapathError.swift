/// A refused or failed request to a datapath or one of its services
/// (monitors, pipes, the module), as a sentence naming the object and the
/// cause. `kind` carries what the control API needs to answer with the
/// right error (ValeControl maps it; providers know nothing of the wire).
public struct DatapathError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The datapath has no such feature ("polling", "monitor"…).
        case notSupported(feature: String)
        /// A parameter is out of range or malformed.
        case invalidArgument(parameter: String)
        /// A name the datapath cannot use, and why.
        case invalidName(String, reason: String)
        case notFound(kind: String, name: String)
        case alreadyExists(kind: String, name: String)
        /// Something holds the object (ports on the module, a holder on a pipe end).
        case busy(name: String)
        /// A system call or kernel request about `object` failed.
        case systemError(object: String)
        /// Anything else that went wrong.
        case failed
    }

    public var kind: Kind
    /// The sentence.
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    /// `.failed` with `message`.
    public static func failed(_ message: String) -> DatapathError { DatapathError(.failed, message) }
}
