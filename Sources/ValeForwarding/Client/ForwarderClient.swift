import Foundation
import ValeProtocol

/// A blocking client of vale-switchd (`io.valed.forwarder`), for the
/// userspace datapath provider, which is synchronous, and for tests.
///
/// One connection, shared: calls from several threads are serialized. When
/// the connection breaks (vale-switchd restarted), the next call connects
/// again, and a call whose connection broke under it is sent once more on a
/// new connection: every method is idempotent (asking twice answers
/// `changed: false`), so a repeat cannot do a change twice.
///
/// Errors: a reply that is a Varlink error is thrown as `VarlinkError`
/// (names in `ForwarderError`); no reply at all as `ForwarderClientError`.
public final class ForwarderClient: @unchecked Sendable {
    /// The socket path.
    public let path: String
    /// Timeout for connecting and for each reply; nil waits forever.
    public let timeout: Double?
    // `connection` is only touched under `lock`; VarlinkClient is not thread-safe.
    private let lock = NSLock()
    private var connection: VarlinkClient?

    /// A client of the vale-switchd listening at `path`. Connects on the first call.
    public init(path: String = ForwarderInterface.defaultSocketPath, timeout: Double? = 5) {
        self.path = path
        self.timeout = timeout
    }

    // MARK: Methods

    /// `GetInfo`: pid, start time, version, instance and restarts.
    public func getInfo() throws -> ForwarderInfo {
        try call(.getInfo, EmptyParameters())
    }

    /// `CreateSwitch`.
    @discardableResult
    public func createSwitch(_ parameters: CreateSwitchParameters) throws -> ChangeReply {
        try call(.createSwitch, parameters)
    }

    /// `DeleteSwitch`.
    @discardableResult
    public func deleteSwitch(_ name: String) throws -> ChangeReply {
        try call(.deleteSwitch, ForwarderNameParameters(name: name))
    }

    /// `Attach`: returns the port index.
    @discardableResult
    public func attach(switch switchName: String, interface: String, hostStack: Bool = false,
                       maxFrameSize: Int? = nil) throws -> ForwarderAttachReply {
        try call(.attach, ForwarderAttachParameters(switchName: switchName, interface: interface,
                                                    hostStack: hostStack, maxFrameSize: maxFrameSize))
    }

    /// `Detach`.
    @discardableResult
    public func detach(switch switchName: String, interface: String) throws -> ChangeReply {
        try call(.detach, ForwarderDetachParameters(switchName: switchName, interface: interface))
    }

    /// `CreateTAP`.
    @discardableResult
    public func createTAP(_ parameters: CreateTAPParameters) throws -> ChangeReply {
        try call(.createTAP, parameters)
    }

    /// `DeleteTAP`.
    @discardableResult
    public func deleteTAP(_ name: String) throws -> ChangeReply {
        try call(.deleteTAP, ForwarderNameParameters(name: name))
    }

    /// `List`: every switch, or only `switchName`.
    public func list(switch switchName: String? = nil) throws -> ForwarderListReply {
        try call(.list, ForwarderListParameters(switchName: switchName))
    }

    /// `Shutdown`: teardown; vale-switchd exits after answering.
    @discardableResult
    public func shutdown(keepTAPs: Bool = false) throws -> ShutdownReply {
        try call(.shutdown, ShutdownParameters(keepTAPs: keepTAPs))
    }

    /// `Monitor`, on a connection of its own: read the stream with
    /// `ForwarderMonitor.next()` or `replies`.
    public func monitor(_ parameters: ForwarderMonitorParameters) throws -> ForwarderMonitor {
        try ForwarderMonitor(path: path, connectTimeout: timeout, parameters: parameters)
    }

    /// Calls `method` with typed parameters; the typed reply, or the
    /// `VarlinkError` the reply carries.
    public func call<Reply: Decodable>(_ method: ForwarderMethod, _ parameters: some Encodable,
                                       as: Reply.Type = Reply.self) throws -> Reply {
        let call = try VarlinkCall(method: method.qualifiedName, encoding: parameters)
        let reply = try exchange(call)
        return try reply.decode(as: Reply.self)
    }

    /// Sends one call and returns its reply, connecting when needed and
    /// retrying once on a fresh connection when an old one broke.
    public func exchange(_ call: VarlinkCall) throws(ForwarderClientError) -> VarlinkReply {
        lock.lock()
        defer { lock.unlock() }
        let reused = connection != nil
        do {
            return try exchangeLocked(call)
        } catch {
            connection = nil
            guard reused, case .connectionLost = error else { throw error }
        }
        do {
            return try exchangeLocked(call)
        } catch {
            connection = nil
            throw error
        }
    }

    /// Closes the connection; the next call opens a new one.
    public func disconnect() {
        lock.lock()
        connection = nil
        lock.unlock()
    }

    private func exchangeLocked(_ call: VarlinkCall) throws(ForwarderClientError) -> VarlinkReply {
        do throws(VarlinkClientError) {
            let client: VarlinkClient
            if let connection {
                client = connection
            } else {
                client = try Self.connect(path: path, timeout: timeout)
                connection = client
            }
            try client.send(call)
            return try client.receive()
        } catch {
            throw ForwarderClientError(error, path: path)
        }
    }

    static func connect(path: String, timeout: Double?) throws(VarlinkClientError) -> VarlinkClient {
        let client = try VarlinkClient(path: path, timeout: timeout)
        client.peerName = "vale-switchd"
        return client
    }
}
