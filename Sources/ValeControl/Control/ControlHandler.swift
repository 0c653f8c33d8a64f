import ValeProtocol

/// What the control server calls: one method per `io.valed` method
/// (io.valed.varlink). The engine implements it.
///
/// The server has already decoded and validated the parameters' JSON
/// shape and checked that `caller` may call the method (read-only methods
/// are open to everyone; the rest need `caller.mayChangeState`), so an
/// implementation only does the work. Throw a `VarlinkError` (e.g.
/// `.notFound(kind:name:message:)`) to answer with that error; any other
/// error is sent as `io.valed.Failed` with the error's description.
///
/// Streaming methods return an `AsyncThrowingStream`; each element is one
/// reply. The server stops iterating (and so terminates the stream, which
/// runs its `onTermination`) when the client disconnects or the server
/// stops; finishing the stream ends the call.
public protocol ControlHandler: Sendable {
    /// `io.valed.Status`.
    func status(caller: Caller) async throws -> StatusReply
    /// `io.valed.List`.
    func list(_ parameters: ListParameters, caller: Caller) async throws -> ListReply
    /// `io.valed.Attach`.
    func attach(_ parameters: AttachParameters, caller: Caller) async throws -> AttachReply
    /// `io.valed.Detach`.
    func detach(_ parameters: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.CreatePort`.
    func createPort(_ parameters: CreatePortParameters, caller: Caller) async throws -> CreatePortReply
    /// `io.valed.DeletePort`.
    func deletePort(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.ShowPort`.
    func showPort(_ parameters: NameParameters, caller: Caller) async throws -> ShowPortReply
    /// `io.valed.EnablePolling`.
    func enablePolling(_ parameters: EnablePollingParameters, caller: Caller) async throws -> EnablePollingReply
    /// `io.valed.DisablePolling`.
    func disablePolling(_ parameters: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.SetVnetHeader`.
    func setVnetHeader(_ parameters: SetVnetHeaderParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.Apply`.
    func apply(_ parameters: ApplyParameters, caller: Caller) async throws -> PlanReply
    /// `io.valed.ShowConfig`.
    func showConfig(caller: Caller) async throws -> ShowConfigReply
    /// `io.valed.Reload`.
    func reload(caller: Caller) async throws -> PlanReply
    /// `io.valed.Teardown`.
    func teardown(caller: Caller) async throws -> PlanReply
    /// `io.valed.Events`: one reply per state change, until the client leaves.
    func events(caller: Caller) async throws -> AsyncThrowingStream<EventsReply, any Error>
    /// `io.valed.ModuleStatus`.
    func moduleStatus(caller: Caller) async throws -> ModuleStatusReply
    /// `io.valed.ModuleLoad`.
    func moduleLoad(caller: Caller) async throws -> ModuleChangeReply
    /// `io.valed.ModuleUnload`.
    func moduleUnload(_ parameters: ModuleUnloadParameters, caller: Caller) async throws -> ModuleChangeReply
    /// `io.valed.ModuleReload`.
    func moduleReload(caller: Caller) async throws -> PlanReply
    /// `io.valed.ShowNIC`.
    func showNIC(_ parameters: ShowNICParameters, caller: Caller) async throws -> ShowNICReply
    /// `io.valed.Monitor`: batches of captured frames; finish the stream
    /// after `count` frames. The monitor port must be released when the
    /// stream terminates.
    func monitor(_ parameters: MonitorParameters, caller: Caller) async throws -> AsyncThrowingStream<MonitorReply, any Error>
    /// `io.valed.PipeCreate`.
    func pipeCreate(_ parameters: PipeCreateParameters, caller: Caller) async throws -> PipeCreateReply
    /// `io.valed.PipeDelete`.
    func pipeDelete(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.PipeList`.
    func pipeList(caller: Caller) async throws -> PipeListReply
    /// `io.valed.TunnelCreate`.
    func tunnelCreate(_ parameters: TunnelCreateParameters, caller: Caller) async throws -> TunnelCreateReply
    /// `io.valed.TunnelDelete`.
    func tunnelDelete(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply
    /// `io.valed.TunnelList`.
    func tunnelList(caller: Caller) async throws -> TunnelListReply
}

/// Handlers written before tunnels existed (test doubles) answer Unsupported.
extension ControlHandler {
    public func tunnelCreate(_ parameters: TunnelCreateParameters, caller: Caller) async throws -> TunnelCreateReply {
        throw VarlinkError.unsupported(feature: "tunnel", message: "tunnels are not available in this valed")
    }
    public func tunnelDelete(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply {
        throw VarlinkError.unsupported(feature: "tunnel", message: "tunnels are not available in this valed")
    }
    public func tunnelList(caller: Caller) async throws -> TunnelListReply {
        throw VarlinkError.unsupported(feature: "tunnel", message: "tunnels are not available in this valed")
    }
}
