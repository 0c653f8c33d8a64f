import Foundation
import ValeDatapath
import ValeState

/// A tunnel as `valectl tunnel list` shows it.
public struct TunnelStatus: Sendable, Equatable {
    public var spec: TunnelSpec
    public var switchName: String?
    /// The device's MTU, when it exists.
    public var mtu: Int?
    /// ok, missing, notOwned (a device valed did not create), or failed.
    public var state: PortState

    public init(spec: TunnelSpec, switchName: String?, mtu: Int?, state: PortState) {
        self.spec = spec; self.switchName = switchName; self.mtu = mtu; self.state = state
    }
}

extension Engine {
    /// `valectl tunnel create NAME --vni N --remote IP… [--switch S]`.
    /// Warnings (the MTU rule) come back in the result's message and in `warnings`.
    public func createTunnel(_ spec: TunnelSpec, switchName: String?) async throws -> (result: OperationResult, warnings: [String]) {
        try await lock.run("creation of tunnel \(spec.name)") { try await self.createTunnelLocked(spec, switchName) }
    }

    private func createTunnelLocked(_ wanted: TunnelSpec, _ switchName: String?) async throws -> (result: OperationResult, warnings: [String]) {
        var spec = wanted
        spec.owner = .runtime
        let name = spec.name
        let what = "cannot create tunnel \(name)"
        if let problem = spec.problem() { throw EngineError(.invalidArgument, "\(what): \(problem)") }
        if let switchName, let problem = DesiredState.switchNameProblem(switchName) {
            throw EngineError(.invalidArgument, "\(what) on \(switchName): \(problem)")
        }
        if let underlay = spec.underlay, tunnels.mtu(of: underlay) == nil {
            throw EngineError(.notFound, "\(what): no underlay device named \(underlay)")
        }
        if state.desired.persistentPorts[name] != nil {
            throw EngineError(.conflict, "\(what): \(name) is a persistent port of valed")
        }
        let key = switchName.map { "\($0):\(name)" }
        if let switchName, let other = state.desired.attachment(ofInterface: name), other.switchName != switchName {
            throw EngineError(.conflict, "\(what) on \(switchName): \(name) is already attached to \(other.switchName)")
        }
        refreshObserved()
        var changed = false
        let previous = state.desired
        if let existing = state.desired.tunnels[name] {
            if existing.canonicalRemotes != spec.canonicalRemotes || existing.kind != spec.kind || existing.vni != spec.vni
                || existing.port != spec.port || existing.underlay != spec.underlay
                || existing.canonicalLocal != spec.canonicalLocal {
                throw EngineError(.conflict, "\(what): it exists with different settings (\(Self.summary(existing))); delete it first")
            }
        } else {
            let found = tunnels.observe(name)
            if datapath.interfaceExists(name) || found != nil {
                let device = found.map { " (\($0.summary))" } ?? ""
                throw EngineError(.conflict, "\(what): an interface named \(name) already exists\(device) and valed did not create it")
            }
            state.desired.tunnels[name] = spec
            changed = true
        }
        if let switchName, let key, state.desired.attachments[key] == nil {
            let slots = state.desired.attachments.values.filter { $0.switchName == switchName }.reduce(0) { $0 + ($1.hostStack ? 2 : 1) }
            if slots + 1 > DesiredState.usablePortsPerSwitch {
                state.desired = previous
                throw EngineError(.conflict, "\(what) on \(switchName): \(switchName) is full (\(DesiredState.usablePortsPerSwitch) ports)")
            }
            state.desired.attachments[key] = AttachmentSpec(switchName: switchName, interface: name, owner: .runtime)
            changed = true
        }
        guard changed else {
            return (OperationResult(message: "tunnel \(name) already exists" + (switchName.map { " on \($0)" } ?? ""), changed: false), [])
        }
        try saveOrRevert()
        tunnelWarnings[name] = nil
        let report = await reconcileLocked(stopOnFailure: false)
        do {
            _ = try outcome(of: report, for: name, success: "", rollbackTo: previous)
            if let key { _ = try outcome(of: report, for: key, success: "", rollbackTo: previous) }
        } catch {
            // The desired state is back to what it was; take away what this
            // request made (a device created before its attach failed).
            await reconcileLocked(stopOnFailure: false)
            throw error
        }
        let mtu = observedTunnels[name]?.mtu
        let warnings = tunnelWarnings[name] ?? []
        var message = "created tunnel \(name) (\(Self.summary(spec))\(mtu.map { ", MTU \($0)" } ?? ""))" + (switchName.map { " on \($0)" } ?? "")
        for warning in warnings { message += "\nwarning: \(warning)" }
        return (OperationResult(message: message, changed: true), warnings)
    }

    /// `valectl tunnel delete NAME`: detaches it, then deletes the device.
    public func deleteTunnel(name: String) async throws -> OperationResult {
        try await lock.run("deletion of tunnel \(name)") { try await self.deleteTunnelLocked(name) }
    }

    private func deleteTunnelLocked(_ name: String) async throws -> OperationResult {
        guard state.desired.tunnels[name] != nil || state.owned.tunnels.contains(name) else {
            refreshObserved()
            if datapath.interfaceExists(name) || tunnels.observe(name) != nil {
                throw EngineError(.foreign, "cannot delete tunnel \(name): valed did not create it")
            }
            return OperationResult(message: "tunnel \(name) does not exist", changed: false)
        }
        if state.desired.tunnels[name]?.owner == .config {
            throw EngineError(.conflict, "cannot delete tunnel \(name): the configuration file declares it; remove it there and reload")
        }
        state.desired.tunnels[name] = nil
        for (key, a) in state.desired.attachments where a.interface == name { state.desired.attachments[key] = nil }
        try saveOrRevert()
        let report = await reconcileLocked(stopOnFailure: false)
        return try outcome(of: report, for: name, success: "deleted tunnel \(name)")
    }

    /// `valectl tunnel list`.
    public func tunnelList() -> [TunnelStatus] {
        refreshObserved()
        return state.desired.tunnels.values.sorted { $0.name < $1.name }.map { spec in
            let device = observedTunnels[spec.name]
            let owned = state.owned.tunnels.contains(spec.name)
            let health: PortState = if let error = errors[spec.name] { .failed(reason: error) }
                else if let device { owned ? .ok : .notOwned(reason: Self.notOwnedSentence(spec, device)) }
                else { .missing }
            return TunnelStatus(spec: spec, switchName: state.desired.attachment(ofInterface: spec.name)?.switchName,
                                mtu: owned ? device?.mtu : nil, state: health)
        }
    }

    /// What `tunnel list` says of a device under a wanted tunnel's name that
    /// valed did not create (tunnels are never adopted, docs/overlays.md).
    static func notOwnedSentence(_ spec: TunnelSpec, _ device: ObservedTunnel) -> String {
        "an interface named \(spec.name) exists and valed did not create it (\(spec.matches(device) ? "it has the wanted settings" : device.summary)); valed does not touch it"
    }

    /// The MTU rule's warning: frames the switch's other ports may send that
    /// the tunnel cannot carry (dropped by the kernel, not fragmented).
    func mtuWarnings(for spec: TunnelSpec, mtu: Int) -> [String] {
        guard let switchName = state.desired.attachment(ofInterface: spec.name)?.switchName else { return [] }
        var warnings: [String] = []
        for a in state.desired.attachments.values.sorted(by: { $0.interface < $1.interface })
        where a.switchName == switchName && a.interface != spec.name {
            guard let other = tunnels.mtu(of: a.interface), other > mtu else { continue }
            warnings.append("\(a.key) has MTU \(other), larger than tunnel \(spec.name)'s \(mtu) (underlay MTU minus \(spec.overhead) bytes of \(spec.kind.rawValue) over IPv\(spec.overIPv6 ? 6 : 4)); frames over \(mtu) bytes from it are dropped: lower its MTU to \(mtu) or raise the underlay's")
        }
        return warnings
    }

    static func summary(_ spec: TunnelSpec) -> String {
        var text = "\(spec.kind.rawValue) VNI \(spec.vni), port \(spec.port), remote\(spec.remotes.count == 1 ? "" : "s") \(spec.remotes.joined(separator: ", "))"
        if let local = spec.local { text += ", local \(local)" }
        if let underlay = spec.underlay { text += ", dev \(underlay)" }
        return text
    }
}
