import Foundation
import Logging
import TestSupport
import ValeControl
import ValeProtocol

/// A control server with a fake handler on a socket in a fresh temporary
/// directory that every user can reach (for the unprivileged tests).
struct ServerHarness {
    let directory: TemporaryDirectory
    let server: ControlServer
    let handler: FakeHandler
    var socketPath: String { directory.path + "/valed.sock" }

    static func start(handler: FakeHandler = FakeHandler(), idleTimeout: Duration = .seconds(60),
                      privilegedGroup: ControlServerConfiguration.PrivilegedGroup = .none,
                      subdirectory: String? = nil) async throws -> ServerHarness {
        let directory = try TemporaryDirectory(prefix: "valed-ctl")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let path = directory.path + (subdirectory.map { "/\($0)" } ?? "") + "/valed.sock"
        var logger = Logger(label: "test.control")
        logger.logLevel = ProcessInfo.processInfo.environment["VALED_TEST_TRACE"] != nil ? .trace : .warning
        let server = ControlServer(
            configuration: ControlServerConfiguration(listener: .path(path), idleTimeout: idleTimeout, privilegedGroup: privilegedGroup),
            handler: handler, logger: logger)
        try await server.start()
        return ServerHarness(directory: directory, server: server, handler: handler)
    }

    func stop() async {
        await server.stop()
        directory.remove()
    }

    /// A connected client with a generous timeout (nothing here is timed;
    /// the timeout only keeps a broken server from hanging the tests).
    func client(timeout: Double = 20) throws -> VarlinkClient {
        try VarlinkClient(path: server.socketPath ?? socketPath, timeout: timeout)
    }
}

extension VarlinkClient {
    /// Sends a call and returns the error name of the reply, or nil for success.
    func errorName(_ method: String, _ parameters: JSONValue? = nil) throws -> String? {
        try call(method, parameters: parameters).error
    }
}
