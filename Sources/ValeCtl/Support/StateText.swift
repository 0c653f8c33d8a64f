import ValeProtocol

/// The one place a port's or tunnel's state (the wire's `PortState` enum
/// and its `stateReason`) becomes text for people: the STATE column of
/// `list` and `tunnel list`, and `port show`. `--json` prints the enum and
/// the reason as they came.
enum StateText {
    static func render(_ state: PortState, reason: String?) -> String {
        switch state {
        case .ok: "ok"
        case .missing: "missing"
        case .notAttached: "not attached"
        case .beingRemoved: "being removed"
        case .datapathGone: "gone: \(reason ?? "the datapath is not there")"
        case .notOwned: reason ?? "not created by valed"
        case .renamed: reason ?? "renamed inside its switch by the kernel (netmap's rename trap)"
        case .failed: reason ?? "failed"
        }
    }

    static func render(_ port: Port) -> String { render(port.state, reason: port.stateReason) }

    static func render(_ tunnel: Tunnel) -> String { render(tunnel.state, reason: tunnel.stateReason) }
}
