import Foundation
import ValeProtocol

/// valectl's exit codes (docs/protocol.md).
enum CtlExitCode: Int32 {
    case success = 0
    /// valed refused or failed the operation.
    case operationFailed = 1
    /// The command line was wrong.
    case usage = 2
    /// valed could not be reached or did not answer.
    case unreachable = 3
}

/// A failure that ends valectl with a message and an exit code.
struct CtlFailure: Error {
    var code: CtlExitCode
    var message: String
    /// Printed on standard output with --json (the error reply).
    var json: String?

    init(_ code: CtlExitCode, _ message: String, json: String? = nil) {
        self.code = code
        self.message = message
        self.json = json
    }

    /// The failure for an error from `VarlinkClient` or a reply.
    static func from(_ error: any Error, socket: String) -> CtlFailure {
        switch error {
        case let failure as CtlFailure:
            return failure
        case let error as VarlinkClientError:
            switch error {
            case .unreachable(_, let reason):
                return CtlFailure(.unreachable, "cannot reach valed at \(socket): \(reason.lowercasedFirst) (is valed running? --socket or VALED_SOCKET choose another)")
            case .timedOut, .connectionLost:
                return CtlFailure(.unreachable, error.description)
            case .interrupted:
                return CtlFailure(.operationFailed, "interrupted")
            }
        case let error as VarlinkError:
            let reply = VarlinkReply(error: error)
            let json = (try? Output.prettyJSON(reply)) ?? nil
            return CtlFailure(.operationFailed, error.message, json: json)
        default:
            return CtlFailure(.operationFailed, String(describing: error))
        }
    }
}

extension String {
    var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
