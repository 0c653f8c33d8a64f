import ValeForwarding
import ValeProtocol
import ValeSwitch

/// The one place where ValeSwitch's errors become `io.valed.forwarder`
/// errors. SwitchError's message already names the object and the cause;
/// the Varlink error adds which object it was, for programs.
enum SwitchErrorMapping {
    /// `error` as a Varlink error about `switchName` and/or `interface`.
    static func varlinkError(_ error: SwitchError, switch switchName: String? = nil,
                             interface: String? = nil) -> VarlinkError {
        let object = interface ?? switchName ?? "?"
        switch error.code {
        case .noSuchSwitch:
            return ForwarderError.notFound(kind: "switch", name: switchName ?? object, message: error.message)
        case .switchExists:
            return ForwarderError.alreadyExists(kind: "switch", name: switchName ?? object, message: error.message)
        case .noSuchPort:
            return ForwarderError.notFound(kind: "port", name: "\(switchName ?? "?"):\(interface ?? "?")", message: error.message)
        case .noSuchInterface:
            return ForwarderError.notFound(kind: "interface", name: object, message: error.message)
        case .portExists, .busy:
            return ForwarderError.busy(name: object, message: error.message)
        case .switchFull:
            return ForwarderError.busy(name: switchName ?? object, message: error.message)
        case .notATAP:
            return ForwarderError.alreadyExists(kind: "interface", name: object, message: error.message)
        case .invalidArgument:
            return ForwarderError.invalidArgument(interface != nil ? "interface" : "name", message: error.message)
        default:
            return ForwarderError.systemError(object: object, errno: error.errno?.rawValue, errnoName: error.errno?.name,
                                              message: error.message)
        }
    }
}
