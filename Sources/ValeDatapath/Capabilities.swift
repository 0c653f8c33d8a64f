/// What a datapath can do. The engine and the control API ask this value,
/// never which datapath runs: a new provider (another process, another
/// switch) declares what it has and everything above follows.
public struct Capabilities: Sendable, Equatable {
    /// Kernel polling threads for attached NICs (VALE_POLLING_ENABLE).
    public var polling: Bool
    /// virtio-net header lengths other than 0 on switch ports (PORT_HDR_SET).
    public var vnetHeader: Bool
    /// Ports have netmap rings and memory regions, so `portDetails` answers;
    /// asking about an attached persistent port renames it inside its switch
    /// (NETMAP-API.md 7.11), so the engine asks once, right after creating it,
    /// and reports that answer afterwards.
    public var ringDetails: Bool
    /// Named netmap pipes held open by valed.
    public var pipes: Bool
    /// Frame mirroring of a port (`valectl monitor`).
    public var monitors: Bool
    /// A kernel module lies under the datapath: it can vanish and come back
    /// (`unavailability`, `suspend`, `resume`) and be reloaded with the ports restored.
    public var moduleLifecycle: Bool
    /// Offload metadata (partial checksums, GSO super-frames, with
    /// virtio-net headers) crosses the switch, so a NIC keeps its offloads
    /// unless the configuration says otherwise; false when frames must
    /// arrive whole and checksummed (netmap, NETMAP-API.md 7.2), so offloads
    /// are turned off on attach.
    public var carriesOffloads: Bool
    /// Bytes per packet buffer, when frames larger than that cannot pass
    /// (netmap's `buf_size`); nil when the datapath has no such limit.
    public var bufferSize: Int?

    public init(polling: Bool = false, vnetHeader: Bool = false, ringDetails: Bool = false, pipes: Bool = false,
                monitors: Bool = false, moduleLifecycle: Bool = false, carriesOffloads: Bool = false, bufferSize: Int? = nil) {
        self.polling = polling; self.vnetHeader = vnetHeader; self.ringDetails = ringDetails; self.pipes = pipes
        self.monitors = monitors; self.moduleLifecycle = moduleLifecycle; self.carriesOffloads = carriesOffloads
        self.bufferSize = bufferSize
    }
}
