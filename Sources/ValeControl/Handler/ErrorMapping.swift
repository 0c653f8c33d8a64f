import Foundation
import ValeDatapath
import ValeEngine
import ValeProtocol

/// The one place where errors of the engine and of the providers become
/// Varlink errors. Nothing below ValeControl knows the wire: the engine
/// throws `EngineError`, providers and their services `DatapathError`.
enum WireErrors {
    /// `error` as the Varlink error a client receives: a `VarlinkError` as
    /// it is, engine and provider errors by their kind, anything else as
    /// `io.valed.Failed` with its description.
    static func varlinkError(for error: any Error) -> VarlinkError {
        switch error {
        case let error as VarlinkError: error
        case let error as EngineError: varlinkError(error)
        case let error as DatapathError: varlinkError(error)
        default: .failed(String(describing: error))
        }
    }

    static func varlinkError(_ error: EngineError) -> VarlinkError {
        switch error.kind {
        case .notFound: return .notFound(kind: "object", name: "", message: error.description)
        case .conflict, .foreign: return .busy(name: "", message: error.description)
        case .invalidArgument: return .invalidArgument("", message: error.description)
        case .notSupported: return .unsupported(feature: "", message: error.description)
        case .configRejected:
            let problems = error.description.split(separator: "\n").dropFirst().compactMap { line -> ConfigProblem? in
                let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 3)
                guard parts.count == 4, let l = Int(parts[1]), let c = Int(parts[2]) else { return nil }
                return ConfigProblem(file: String(parts[0]), line: l, column: c, reason: parts[3].trimmingCharacters(in: .whitespaces))
            }
            return .configInvalid(problems, message: error.description)
        case .datapathFailed: return .failed(error.description)
        }
    }

    static func varlinkError(_ error: DatapathError) -> VarlinkError {
        switch error.kind {
        case .notSupported(let feature): .unsupported(feature: feature, message: error.message)
        case .invalidArgument(let parameter): .invalidArgument(parameter, message: error.message)
        case .invalidName(let name, let reason): .invalidName(name, reason: reason, message: error.message)
        case .notFound(let kind, let name): .notFound(kind: kind, name: name, message: error.message)
        case .alreadyExists(let kind, let name): .alreadyExists(kind: kind, name: name, message: error.message)
        case .busy(let name): .busy(name: name, message: error.message)
        case .systemError(let object): .systemError(object: object, errno: nil, errnoName: nil, message: error.message)
        case .failed: .failed(error.message)
        }
    }
}
