/// A state change (`Event`), streamed by `io.valed.Events`.
public struct Event: Sendable, Hashable, Codable {
    /// RFC 3339 time, UTC.
    public var time: String
    /// e.g. `port-added`, `port-removed`, `port-state`, `carrier`, `nic`,
    /// `module`, `reconcile`, `config`.
    public var kind: String
    /// The object: `vale0:eth0`, `eth0`, `netmap`, ...
    public var object: String
    public var message: String
    /// The port after the change, for port events.
    public var port: Port?

    public init(time: String, kind: String, object: String, message: String, port: Port? = nil) {
        self.time = time
        self.kind = kind
        self.object = object
        self.message = message
        self.port = port
    }
}

/// One reply of the `io.valed.Events` stream.
public struct EventsReply: Sendable, Hashable, Codable {
    public var event: Event
    public init(event: Event) { self.event = event }
}
