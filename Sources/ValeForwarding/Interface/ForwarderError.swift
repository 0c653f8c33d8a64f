import ValeProtocol

/// The errors of `io.valed.forwarder` as `VarlinkError`s (ValeProtocol's
/// error type: a qualified name plus parameters). Every one carries a
/// `message` sentence naming the object and the cause.
public enum ForwarderError {
    public static let notFound = "io.valed.forwarder.NotFound"
    public static let alreadyExists = "io.valed.forwarder.AlreadyExists"
    public static let busy = "io.valed.forwarder.Busy"
    public static let invalidArgument = "io.valed.forwarder.InvalidArgument"
    public static let systemError = "io.valed.forwarder.SystemError"
    public static let monitorEnded = "io.valed.forwarder.MonitorEnded"
    public static let shuttingDown = "io.valed.forwarder.ShuttingDown"
    public static let invalidMessage = "io.valed.forwarder.InvalidMessage"
    public static let messageTooLarge = "io.valed.forwarder.MessageTooLarge"
    public static let failed = "io.valed.forwarder.Failed"

    /// Every error name the interface declares.
    public static let all = [notFound, alreadyExists, busy, invalidArgument, systemError, monitorEnded,
                             shuttingDown, invalidMessage, messageTooLarge, failed]

    /// `NotFound`: `kind` is `switch`, `port`, `interface` or `tap`.
    public static func notFound(kind: String, name: String, message: String) -> VarlinkError {
        VarlinkError(name: notFound, parameters: ["kind": .string(kind), "name": .string(name), "message": .string(message)])
    }

    /// `AlreadyExists`.
    public static func alreadyExists(kind: String, name: String, message: String) -> VarlinkError {
        VarlinkError(name: alreadyExists, parameters: ["kind": .string(kind), "name": .string(name), "message": .string(message)])
    }

    /// `Busy`.
    public static func busy(name: String, message: String) -> VarlinkError {
        VarlinkError(name: busy, parameters: ["name": .string(name), "message": .string(message)])
    }

    /// `InvalidArgument`.
    public static func invalidArgument(_ parameter: String, message: String) -> VarlinkError {
        VarlinkError(name: invalidArgument, parameters: ["parameter": .string(parameter), "message": .string(message)])
    }

    /// `SystemError`: a system call failed on `object`.
    public static func systemError(object: String, errno: Int32?, errnoName: String?, message: String) -> VarlinkError {
        var parameters: [String: JSONValue] = ["object": .string(object), "message": .string(message)]
        if let errno { parameters["errno"] = .int(Int64(errno)) }
        if let errnoName { parameters["errnoName"] = .string(errnoName) }
        return VarlinkError(name: systemError, parameters: parameters)
    }

    /// `MonitorEnded`.
    public static func monitorEnded(switch switchName: String, interface: String, message: String) -> VarlinkError {
        VarlinkError(name: monitorEnded, parameters: ["switch": .string(switchName), "interface": .string(interface), "message": .string(message)])
    }

    /// `ShuttingDown`.
    public static func shuttingDown(_ message: String) -> VarlinkError {
        VarlinkError(name: shuttingDown, parameters: ["message": .string(message)])
    }

    /// `InvalidMessage`.
    public static func invalidMessage(_ message: String) -> VarlinkError {
        VarlinkError(name: invalidMessage, parameters: ["message": .string(message)])
    }

    /// `MessageTooLarge`.
    public static func messageTooLarge(limit: Int, message: String) -> VarlinkError {
        VarlinkError(name: messageTooLarge, parameters: ["limit": .int(Int64(limit)), "message": .string(message)])
    }

    /// `Failed`.
    public static func failed(_ message: String) -> VarlinkError {
        VarlinkError(name: failed, parameters: ["message": .string(message)])
    }
}
