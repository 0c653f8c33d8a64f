import Foundation
import ValeForwarding
import ValeProtocol
import ValeSwitch

/// What a connection does with one call.
enum Outcome {
    /// Send this reply (unless the call was oneway).
    case reply(VarlinkReply)
    /// Stream this monitor until it ends.
    case stream(MonitorQueue, MonitorToken, ForwarderMonitorParameters)
    /// Send this reply, then stop the process (Shutdown).
    case replyThenExit(VarlinkReply)
}

/// Decodes a call's method and parameters and calls the service. Every
/// failure becomes a Varlink error reply; nothing here throws past `handle`.
struct RequestDispatcher: Sendable {
    let service: ForwarderService

    func handle(_ call: VarlinkCall) -> Outcome {
        do {
            return try dispatch(call)
        } catch let error as VarlinkError {
            return .reply(VarlinkReply(error: error))
        } catch {
            return .reply(VarlinkReply(error: ForwarderError.failed("\(call.method) failed: \(error)")))
        }
    }

    private func dispatch(_ call: VarlinkCall) throws -> Outcome {
        if let method = VarlinkServiceMethod(qualifiedName: call.method) {
            switch method {
            case .getInfo:
                return .reply(try VarlinkReply(encoding: ForwarderInterface.serviceInfo))
            case .getInterfaceDescription:
                let p: GetInterfaceDescriptionParameters = try parameters(call)
                switch p.interface {
                case ForwarderInterface.name:
                    return .reply(try VarlinkReply(encoding: GetInterfaceDescriptionReply(description: ForwarderInterface.text)))
                case VarlinkServiceMethod.interfaceName:
                    return .reply(try VarlinkReply(encoding: GetInterfaceDescriptionReply(description: VarlinkServiceInterface.description)))
                default:
                    throw VarlinkError.interfaceNotFound(p.interface)
                }
            }
        }
        guard let method = ForwarderMethod(qualifiedName: call.method) else {
            let interface = call.method.split(separator: ".").dropLast().joined(separator: ".")
            if interface != ForwarderInterface.name && interface != VarlinkServiceMethod.interfaceName {
                throw VarlinkError.interfaceNotFound(interface)
            }
            throw VarlinkError.methodNotFound(call.method)
        }
        if method.isStreaming && !call.wantsMore { throw VarlinkError.expectedMore }
        switch method {
        case .getInfo:
            return .reply(try VarlinkReply(encoding: service.getInfo()))
        case .createSwitch:
            return .reply(try VarlinkReply(encoding: service.createSwitch(try parameters(call))))
        case .deleteSwitch:
            return .reply(try VarlinkReply(encoding: service.deleteSwitch(try parameters(call))))
        case .attach:
            return .reply(try VarlinkReply(encoding: service.attach(try parameters(call))))
        case .detach:
            return .reply(try VarlinkReply(encoding: service.detach(try parameters(call))))
        case .createTAP:
            return .reply(try VarlinkReply(encoding: service.createTAP(try parameters(call))))
        case .deleteTAP:
            return .reply(try VarlinkReply(encoding: service.deleteTAP(try parameters(call))))
        case .list:
            return .reply(try VarlinkReply(encoding: service.list(try parameters(call))))
        case .monitor:
            let p: ForwarderMonitorParameters = try parameters(call)
            let (queue, token) = try service.startMonitor(p)
            return .stream(queue, token, p)
        case .shutdown:
            return .replyThenExit(try VarlinkReply(encoding: service.shutdown(try parameters(call))))
        }
    }

    /// The call's parameters as `T`; a missing or mistyped field is
    /// `org.varlink.service.InvalidParameter` naming the field.
    private func parameters<T: Decodable>(_ call: VarlinkCall) throws(VarlinkError) -> T {
        let value = call.parameters ?? .emptyObject
        guard case .object = value else { throw VarlinkError.invalidParameter("parameters") }
        do {
            return try value.decode(as: T.self)
        } catch let error as DecodingError {
            throw VarlinkError.invalidParameter(Self.field(of: error))
        } catch {
            throw VarlinkError.invalidParameter("parameters")
        }
    }

    private static func field(of error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        @unknown default: path = []
        }
        let name = path.map(\.stringValue).joined(separator: ".")
        return name.isEmpty ? "parameters" : name
    }
}
