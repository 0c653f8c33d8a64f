import ValeForwarding
import ValeProtocol

/// Error replies sent to a client that is refused before it is served.
enum VarlinkErrorText {
    static let permissionDenied = framed(VarlinkError(name: VarlinkServiceError.permissionDenied))
    static let tooMany = framed(ForwarderError.busy(
        name: "vale-switchd", message: "vale-switchd serves at most \(ControlListener.maximumConnections) connections; try again later"))

    private static func framed(_ error: VarlinkError) -> [UInt8] {
        (try? VarlinkFraming.frame(VarlinkReply(error: error))) ?? []
    }
}
