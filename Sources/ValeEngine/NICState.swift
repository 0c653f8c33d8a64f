/// Where one interface valed attaches stands, in the engine's memory: the
/// one per-NIC record beside the store. The values valed changed on it
/// (`SavedNICSettings`) are not here: they are the store's (`StoredState.savedNICs`),
/// written before the attach so a restart can still restore them.
public enum NICState: Sendable, Hashable {
    /// Its settings are being saved and changed, before the attach.
    case preparing
    /// Attached; the carrier wait and the promiscuous re-assert run (a task
    /// of their own, outside the engine).
    case settling(carrier: Bool?)
    /// Attached and settled (or adopted at start).
    case attached(carrier: Bool?)
    /// It vanished while desired; its port is missing until it returns.
    case missing
    /// Detached; the saved settings are being put back. It stays here when
    /// that failed: the next detach or teardown retries.
    case restoring

    /// The carrier last read or reported, while it is on a switch.
    public var carrier: Bool? {
        switch self {
        case .settling(let carrier), .attached(let carrier): carrier
        case .preparing, .missing, .restoring: nil
        }
    }

    /// The same state with a new carrier; nil for states that keep none.
    func with(carrier: Bool?) -> NICState? {
        switch self {
        case .settling: .settling(carrier: carrier)
        case .attached: .attached(carrier: carrier)
        case .preparing, .missing, .restoring: nil
        }
    }
}
