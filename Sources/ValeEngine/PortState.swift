/// Where a port (or a tunnel device) stands against the desired state: the
/// one health value of `valectl list` and `valectl tunnel list` rows.
/// Reasons are the engine's sentences; the short states have no text here
/// (valectl renders them, ValeControl maps them to the wire's enum).
public enum PortState: Sendable, Hashable {
    /// As desired.
    case ok
    /// Desired, but its interface does not exist (the NIC vanished, a
    /// tunnel device was deleted).
    case missing
    /// Its interface exists (or valed creates it) but is on no switch yet.
    case notAttached
    /// valed attached it, it is no longer desired, and the detach has not
    /// happened yet.
    case beingRemoved
    /// The datapath is gone (netmap was unloaded); the reason says how.
    case datapathGone(reason: String)
    /// A device with the wanted name exists that valed did not create; the
    /// sentence says what it is. valed leaves it alone.
    case notOwned(reason: String)
    /// The kernel renamed it inside its switch (netmap's rename trap,
    /// NETMAP-API.md 7.11); the sentence says what happened and how to repair.
    case renamedByKernel(explanation: String)
    /// The last step for it failed; the error sentence.
    case failed(reason: String)

    /// Whether the port is as desired (the `valed_port_ok` metric).
    public var isOK: Bool { self == .ok }

    /// The sentence that comes with the state, if any.
    public var reason: String? {
        switch self {
        case .ok, .missing, .notAttached, .beingRemoved: nil
        case .datapathGone(let reason), .notOwned(let reason), .failed(let reason): reason
        case .renamedByKernel(let explanation): explanation
        }
    }
}
