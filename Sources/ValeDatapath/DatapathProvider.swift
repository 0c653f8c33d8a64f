/// What a provider hands the daemon: its datapath and the services that go
/// with it. The daemon asks for services, not for a kind of datapath: a
/// provider without pipes has `pipes == nil`, and so on.
public struct DatapathProvider: Sendable {
    public var datapath: any Datapath
    /// Frame mirroring (`valectl monitor`), when the datapath has it.
    public var monitors: (any MonitorProviding)?
    /// Makes the pipe registry once the keeper of its records (the engine)
    /// exists; nil when the datapath has no pipes.
    public var pipes: (@Sendable (any PipeRecordKeeping) -> any PipeProviding)?
    /// The process that forwards (vale-switchd), when it is not valed
    /// itself or the kernel: shown by `valectl status`, stopped by teardown.
    public var forwarder: (any ForwardingProcessProviding)?

    public init(datapath: any Datapath, monitors: (any MonitorProviding)? = nil,
                pipes: (@Sendable (any PipeRecordKeeping) -> any PipeProviding)? = nil,
                forwarder: (any ForwardingProcessProviding)? = nil) {
        self.datapath = datapath; self.monitors = monitors; self.pipes = pipes; self.forwarder = forwarder
    }
}
