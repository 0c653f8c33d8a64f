import ValeProtocol

/// The netmap module as the control API sees it (ValeModules behind it).
public protocol ModuleProviding: Sendable {
    func info() -> ModuleInfo
    func load() async throws -> ModuleChangeReply
    /// Refuses while `attachedPorts` is not empty, unless `force`.
    func unload(force: Bool, attachedPorts: [String]) async throws -> ModuleChangeReply
}

/// What `valectl nic show` needs from the NIC layer (ValeLink behind it).
public protocol NICInspecting: Sendable {
    func nicInfo(_ interface: String, saved: JSONValue?, attachedTo: String?) throws -> NICInfo
    /// The NIC's counters from IFLA_STATS64, or nil when it does not exist.
    func counters(_ interface: String) -> Counters?
}

/// Frame mirroring for `valectl monitor` (netmap monitor ports, or the
/// userspace switch's mirror hook).
public protocol MonitorProviding: Sendable {
    func monitor(_ parameters: MonitorParameters) throws -> AsyncThrowingStream<MonitorReply, any Error>
}

/// Named netmap pipes held open by valed.
public protocol PipeProviding: Sendable {
    /// Async: the pipe is recorded in the engine's store.
    func create(name: String, slots: Int?) async throws -> PipeCreateReply
    func delete(name: String) async throws -> ChangeReply
    func list() -> PipeListReply
}
