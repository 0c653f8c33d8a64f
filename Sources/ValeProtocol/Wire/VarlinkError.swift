import Foundation

/// A named Varlink error with parameters, e.g. `io.valed.NotFound` with
/// `{"kind": "switch", "name": "vale3", "message": "..."}`.
///
/// The control server sends a `VarlinkError` thrown by the engine as is;
/// any other Swift error becomes `io.valed.Failed` with its description.
/// Clients receive error replies as `VarlinkError`.
public struct VarlinkError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Fully qualified error name.
    public var name: String
    /// The error's parameters (the `parameters` object of the reply).
    public var parameters: [String: JSONValue]

    /// An error with untyped parameters.
    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// An error whose parameters are the JSON encoding of `parameters`
    /// (a struct whose fields match the error's declaration).
    public init(name: String, encoding parameters: some Encodable) {
        self.name = name
        if case .object(let members)? = try? JSONValue(encoding: parameters) {
            self.parameters = members
        } else {
            self.parameters = [:]
        }
    }

    /// The sentence for people: the `message` parameter when the error has
    /// one, otherwise a sentence built from the name and parameters.
    public var message: String {
        if let text = parameters["message"]?.stringValue { return text }
        func parameter(_ key: String) -> String { parameters[key]?.stringValue ?? "?" }
        switch name {
        case VarlinkServiceError.methodNotFound:
            return "valed does not know the method \(parameter("method"))"
        case VarlinkServiceError.methodNotImplemented:
            return "valed does not implement the method \(parameter("method"))"
        case VarlinkServiceError.interfaceNotFound:
            return "valed does not provide the interface \(parameter("interface"))"
        case VarlinkServiceError.invalidParameter:
            return "the parameter \(parameter("parameter")) is missing or invalid"
        case VarlinkServiceError.permissionDenied:
            return "permission denied"
        case VarlinkServiceError.expectedMore:
            return "this method streams its replies and must be called with \"more\": true"
        default:
            if parameters.isEmpty { return name }
            let rendered = parameters.keys.sorted().map { "\($0)=\(parameters[$0].map(Self.render) ?? "")" }
            return "\(name) (\(rendered.joined(separator: ", ")))"
        }
    }

    public var description: String { message }

    private static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null: return "null"
        default:
            let data = (try? VarlinkFraming.makeEncoder().encode(value)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// Error names of the standard `org.varlink.service` interface.
public enum VarlinkServiceError {
    public static let interfaceNotFound = "org.varlink.service.InterfaceNotFound"
    public static let methodNotFound = "org.varlink.service.MethodNotFound"
    public static let methodNotImplemented = "org.varlink.service.MethodNotImplemented"
    public static let invalidParameter = "org.varlink.service.InvalidParameter"
    public static let permissionDenied = "org.varlink.service.PermissionDenied"
    public static let expectedMore = "org.varlink.service.ExpectedMore"
}

extension VarlinkError {
    // MARK: org.varlink.service

    /// `org.varlink.service.InterfaceNotFound(interface)`.
    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError(name: VarlinkServiceError.interfaceNotFound, parameters: ["interface": .string(interface)])
    }

    /// `org.varlink.service.MethodNotFound(method)`.
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError(name: VarlinkServiceError.methodNotFound, parameters: ["method": .string(method)])
    }

    /// `org.varlink.service.MethodNotImplemented(method)`.
    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError(name: VarlinkServiceError.methodNotImplemented, parameters: ["method": .string(method)])
    }

    /// `org.varlink.service.InvalidParameter(parameter)`.
    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError(name: VarlinkServiceError.invalidParameter, parameters: ["parameter": .string(parameter)])
    }

    /// `org.varlink.service.ExpectedMore()`.
    public static let expectedMore = VarlinkError(name: VarlinkServiceError.expectedMore)

    // MARK: io.valed

    /// `io.valed.NotFound`: no such switch, port, interface, pipe or module.
    /// `kind` is one of `switch`, `port`, `interface`, `pipe`, `module`.
    public static func notFound(kind: String, name: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.notFound, parameters: ["kind": .string(kind), "name": .string(name), "message": .string(message)])
    }

    /// `io.valed.AlreadyExists`: the object exists in a way that conflicts with the request.
    public static func alreadyExists(kind: String, name: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.alreadyExists, parameters: ["kind": .string(kind), "name": .string(name), "message": .string(message)])
    }

    /// `io.valed.Busy`: the object is in use.
    public static func busy(name: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.busy, parameters: ["name": .string(name), "message": .string(message)])
    }

    /// `io.valed.InvalidName`: a name breaks netmap's naming rules.
    public static func invalidName(_ name: String, reason: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.invalidName, parameters: ["name": .string(name), "reason": .string(reason), "message": .string(message)])
    }

    /// `io.valed.InvalidArgument`: a parameter is out of range or inconsistent.
    public static func invalidArgument(_ parameter: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.invalidArgument, parameters: ["parameter": .string(parameter), "message": .string(message)])
    }

    /// `io.valed.ConfigInvalid`: a configuration was rejected as a whole.
    public static func configInvalid(_ problems: [ConfigProblem], message: String) -> VarlinkError {
        VarlinkError(name: ValedError.configInvalid, parameters: [
            "problems": (try? JSONValue(encoding: problems)) ?? .array([]), "message": .string(message),
        ])
    }

    /// `io.valed.Unsupported`: not possible on this datapath or kernel.
    public static func unsupported(feature: String, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.unsupported, parameters: ["feature": .string(feature), "message": .string(message)])
    }

    /// `io.valed.PermissionDenied`: the caller may not change state.
    public static func permissionDenied(method: String, uid: UInt32, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.permissionDenied, parameters: ["method": .string(method), "uid": .int(Int64(uid)), "message": .string(message)])
    }

    /// `io.valed.SystemError`: a system call failed on `object`.
    /// `errnoName` is the symbolic name (`EBUSY`).
    public static func systemError(object: String, errno: Int32?, errnoName: String?, message: String) -> VarlinkError {
        var parameters: [String: JSONValue] = ["object": .string(object), "message": .string(message)]
        if let errno { parameters["errno"] = .int(Int64(errno)) }
        if let errnoName { parameters["errnoName"] = .string(errnoName) }
        return VarlinkError(name: ValedError.systemError, parameters: parameters)
    }

    /// `io.valed.InvalidMessage`: a message that is not a Varlink call.
    public static func invalidMessage(_ message: String) -> VarlinkError {
        VarlinkError(name: ValedError.invalidMessage, parameters: ["message": .string(message)])
    }

    /// `io.valed.MessageTooLarge`: a message over `limit` bytes.
    public static func messageTooLarge(limit: Int, message: String) -> VarlinkError {
        VarlinkError(name: ValedError.messageTooLarge, parameters: ["limit": .int(Int64(limit)), "message": .string(message)])
    }

    /// `io.valed.Failed`: any other failure, described by a sentence.
    public static func failed(_ message: String) -> VarlinkError {
        VarlinkError(name: ValedError.failed, parameters: ["message": .string(message)])
    }
}

/// Error names of the `io.valed` interface (declared in io.valed.varlink).
public enum ValedError {
    public static let notFound = "io.valed.NotFound"
    public static let alreadyExists = "io.valed.AlreadyExists"
    public static let busy = "io.valed.Busy"
    public static let invalidName = "io.valed.InvalidName"
    public static let invalidArgument = "io.valed.InvalidArgument"
    public static let configInvalid = "io.valed.ConfigInvalid"
    public static let unsupported = "io.valed.Unsupported"
    public static let permissionDenied = "io.valed.PermissionDenied"
    public static let systemError = "io.valed.SystemError"
    public static let failed = "io.valed.Failed"
    public static let invalidMessage = "io.valed.InvalidMessage"
    public static let messageTooLarge = "io.valed.MessageTooLarge"

    /// Every error name the interface declares.
    public static let all = [notFound, alreadyExists, busy, invalidName, invalidArgument, configInvalid, unsupported, permissionDenied, systemError, failed, invalidMessage, messageTooLarge]
}
