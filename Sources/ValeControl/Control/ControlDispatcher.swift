import Foundation
import NIOCore
import ValeProtocol

/// What a call produces: one encoded reply, or a stream of them.
enum CallOutcome: Sendable {
    /// Reply parameters, already JSON-encoded.
    case reply(Data)
    /// `run` emits each encoded reply's parameters; `terminal` is sent
    /// (without `continues`) when the stream ends by itself, and when it is
    /// `nil` the connection is closed instead, because that method has no
    /// meaningful last reply.
    case stream(terminal: Data?, run: @Sendable (_ emit: @Sendable (Data) async throws -> Void) async throws -> Void)
}

/// Checks a decoded call and runs it against the `ControlHandler`.
struct ControlDispatcher: Sendable {
    let handler: any ControlHandler
    /// The text of io.valed.varlink.
    let interfaceDescription: String

    func dispatch(_ call: VarlinkCall, caller: Caller) async throws -> CallOutcome {
        if call.upgrade == true {
            throw VarlinkError.invalidParameter("upgrade")
        }
        let parameters = call.parameters ?? .emptyObject
        guard case .object = parameters else {
            throw VarlinkError.invalidParameter("parameters")
        }
        if let service = VarlinkServiceMethod(qualifiedName: call.method) {
            return try serviceCall(service, parameters)
        }
        guard let method = ValedMethod(qualifiedName: call.method) else {
            throw Self.unknown(call.method)
        }
        guard method.isReadOnly || caller.mayChangeState else {
            throw VarlinkError.permissionDenied(
                method: call.method, uid: caller.uid,
                message: "permission denied: only root and members of group valed may \(method.action) "
                    + "(the caller runs as uid \(caller.uid)); reading state is open to everyone")
        }
        if method.isStreaming && !call.wantsMore {
            throw VarlinkError.expectedMore
        }
        return try await run(method, parameters, caller)
    }

    private static func unknown(_ method: String) -> VarlinkError {
        let interface = method.split(separator: ".").dropLast().joined(separator: ".")
        if interface == ValedMethod.interfaceName || interface == VarlinkServiceMethod.interfaceName {
            return .methodNotFound(method)
        }
        return .interfaceNotFound(interface)
    }

    private func serviceCall(_ method: VarlinkServiceMethod, _ parameters: JSONValue) throws -> CallOutcome {
        switch method {
        case .getInfo:
            return .reply(try encode(GetInfoReply.valed))
        case .getInterfaceDescription:
            let request: GetInterfaceDescriptionParameters = try decode(parameters)
            switch request.interface {
            case ValedMethod.interfaceName:
                return .reply(try encode(GetInterfaceDescriptionReply(description: interfaceDescription)))
            case VarlinkServiceMethod.interfaceName:
                return .reply(try encode(GetInterfaceDescriptionReply(description: VarlinkServiceInterface.description)))
            default:
                throw VarlinkError.interfaceNotFound(request.interface)
            }
        }
    }

    private func run(_ method: ValedMethod, _ p: JSONValue, _ caller: Caller) async throws -> CallOutcome {
        let h = handler
        switch method {
        case .status: return .reply(try encode(await h.status(caller: caller)))
        case .list: return .reply(try encode(await h.list(decode(p), caller: caller)))
        case .attach: return .reply(try encode(await h.attach(decode(p), caller: caller)))
        case .detach: return .reply(try encode(await h.detach(decode(p), caller: caller)))
        case .createPort: return .reply(try encode(await h.createPort(decode(p), caller: caller)))
        case .deletePort: return .reply(try encode(await h.deletePort(decode(p), caller: caller)))
        case .showPort: return .reply(try encode(await h.showPort(decode(p), caller: caller)))
        case .enablePolling: return .reply(try encode(await h.enablePolling(decode(p), caller: caller)))
        case .disablePolling: return .reply(try encode(await h.disablePolling(decode(p), caller: caller)))
        case .setVnetHeader: return .reply(try encode(await h.setVnetHeader(decode(p), caller: caller)))
        case .apply: return .reply(try encode(await h.apply(decode(p), caller: caller)))
        case .showConfig: return .reply(try encode(await h.showConfig(caller: caller)))
        case .reload: return .reply(try encode(await h.reload(caller: caller)))
        case .teardown: return .reply(try encode(await h.teardown(caller: caller)))
        case .moduleStatus: return .reply(try encode(await h.moduleStatus(caller: caller)))
        case .moduleLoad: return .reply(try encode(await h.moduleLoad(caller: caller)))
        case .moduleUnload: return .reply(try encode(await h.moduleUnload(decode(p), caller: caller)))
        case .moduleReload: return .reply(try encode(await h.moduleReload(caller: caller)))
        case .showNIC: return .reply(try encode(await h.showNIC(decode(p), caller: caller)))
        case .pipeCreate: return .reply(try encode(await h.pipeCreate(decode(p), caller: caller)))
        case .pipeDelete: return .reply(try encode(await h.pipeDelete(decode(p), caller: caller)))
        case .pipeList: return .reply(try encode(await h.pipeList(caller: caller)))
        case .tunnelCreate: return .reply(try encode(await h.tunnelCreate(decode(p), caller: caller)))
        case .tunnelDelete: return .reply(try encode(await h.tunnelDelete(decode(p), caller: caller)))
        case .tunnelList: return .reply(try encode(await h.tunnelList(caller: caller)))
        case .events:
            let stream = try await h.events(caller: caller)
            return .stream(terminal: nil) { emit in
                for try await reply in stream { try await emit(try encode(reply)) }
            }
        case .monitor:
            let stream = try await h.monitor(decode(p), caller: caller)
            return .stream(terminal: try encode(MonitorReply(frames: []))) { emit in
                for try await reply in stream { try await emit(try encode(reply)) }
            }
        }
    }

    /// Decodes parameters; a missing or mistyped field becomes
    /// `org.varlink.service.InvalidParameter` naming the field.
    private func decode<T: Decodable>(_ parameters: JSONValue) throws -> T {
        do {
            return try parameters.decode(as: T.self)
        } catch let error as DecodingError {
            throw VarlinkError.invalidParameter(Self.fieldName(of: error))
        }
    }

    static func fieldName(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "parameters" : path
        @unknown default:
            return "parameters"
        }
    }
}

/// Encodes reply parameters with the stable encoder (sorted keys).
func encode(_ value: some Encodable) throws -> Data {
    try VarlinkFraming.makeEncoder().encode(value)
}

extension ValedMethod {
    /// What the method does, completing "only root ... may ...".
    var action: String {
        switch self {
        case .status: return "read the status"
        case .list: return "list switches"
        case .attach: return "attach interfaces to switches"
        case .detach: return "detach interfaces from switches"
        case .createPort: return "create ports"
        case .deletePort: return "delete ports"
        case .showPort: return "show ports"
        case .enablePolling: return "enable polling"
        case .disablePolling: return "disable polling"
        case .setVnetHeader: return "set virtio-net header lengths"
        case .apply: return "apply a configuration"
        case .showConfig: return "show the configuration"
        case .reload: return "reload the configuration"
        case .teardown: return "tear down switches"
        case .events: return "follow events"
        case .moduleStatus: return "read the module status"
        case .moduleLoad: return "load the netmap module"
        case .moduleUnload: return "unload the netmap module"
        case .moduleReload: return "reload the netmap module"
        case .showNIC: return "show NICs"
        case .monitor: return "capture traffic"
        case .pipeCreate: return "create pipes"
        case .pipeDelete: return "delete pipes"
        case .pipeList: return "list pipes"
        case .tunnelCreate: return "create tunnels"
        case .tunnelDelete: return "delete tunnels"
        case .tunnelList: return "list tunnels"
        }
    }
}
