/// A refused or failed request, as a sentence naming the object and the
/// cause. `kind` lets the control server map it to a Varlink error name.
public struct EngineError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case notFound = "NotFound"
        case conflict = "Conflict"
        case invalidArgument = "InvalidArgument"
        case datapathFailed = "DatapathFailed"
        case configRejected = "ConfigRejected"
        case notSupported = "NotSupported"
        case foreign = "ForeignObject"
    }
    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) { self.kind = kind; self.description = description }
}
