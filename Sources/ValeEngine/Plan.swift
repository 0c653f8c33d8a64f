import ValeDatapath
import ValeState
/// One change the engine makes to the datapath. Steps run in the order the
/// planner emits them: polling off, detach, delete (ports, then tunnels),
/// create (ports, then tunnels), tunnel remotes, attach, polling on.
public enum Step: Equatable, Sendable, CustomStringConvertible {
    case disablePolling(AttachmentSpec)
    case detach(switchName: String, interface: String)
    case deletePort(String)
    case createPort(PersistentPortSpec)
    case attach(AttachmentSpec)
    case enablePolling(AttachmentSpec)
    case setVnetHeader(AttachmentSpec)
    case deleteTunnel(String)
    case createTunnel(TunnelSpec)
    /// Makes a VXLAN device's FDB default entries equal to the spec's remotes.
    case setTunnelRemotes(TunnelSpec)

    public var description: String {
        switch self {
        case let .disablePolling(a): "disable polling on \(a.key)"
        case let .detach(s, i): "detach \(s):\(i)"
        case let .deletePort(n): "delete port \(n)"
        case let .createPort(p): "create port \(p.name)"
        case let .attach(a): "attach \(a.key)\(a.hostStack ? " with host stack" : "")"
        case let .enablePolling(a): "enable polling on \(a.key) (CPU \(a.polling?.firstCPU ?? 0), \(a.polling?.cpus ?? 1) CPU\((a.polling?.cpus ?? 1) == 1 ? "" : "s"))"
        case let .setVnetHeader(a): "set vnet header of \(a.key) to \(a.vnetHeaderLength ?? 0)"
        case let .deleteTunnel(n): "delete tunnel \(n)"
        case let .createTunnel(t): "create tunnel \(t.name) (\(t.kind.rawValue) VNI \(t.vni) to \(t.remotes.joined(separator: ", ")))"
        case let .setTunnelRemotes(t): "set the remotes of tunnel \(t.name) to \(t.remotes.joined(separator: ", "))"
        }
    }

    /// The object this step is about, for per-port error reporting.
    public var subject: String {
        switch self {
        case let .disablePolling(a), let .attach(a), let .enablePolling(a), let .setVnetHeader(a): a.key
        case let .detach(s, i): "\(s):\(i)"
        case let .deletePort(n), let .deleteTunnel(n): n
        case let .createPort(p): p.name
        case let .createTunnel(t), let .setTunnelRemotes(t): t.name
        }
    }
}

/// Computes the steps that take the datapath from `observed` to `desired`.
/// A pure function: the same inputs give the same plan, and a plan computed
/// right after a fully applied one is empty (reconcile is idempotent).
public struct Planner: Sendable {
    public init() {}

    /// `tunnels` holds the devices named like a desired or owned tunnel, as
    /// the kernel reports them (absent: no such interface).
    public func plan(desired: DesiredState, owned: OwnedObjects, observed: [ObservedPort],
                     tunnels: [String: ObservedTunnel] = [:], interfaceExists: (String) -> Bool) -> [Step] {
        var observedAttachments: [String: (hostPort: Bool, port: ObservedPort)] = [:]
        for port in observed where !port.isHostPort {
            observedAttachments[port.key] = (false, port)
        }
        for port in observed where port.isHostPort {
            observedAttachments[port.key]?.hostPort = true
        }

        var disable: [Step] = [], detach: [Step] = [], delete: [Step] = []
        var create: [Step] = [], attach: [Step] = [], enable: [Step] = []
        var deleteTunnels: [Step] = [], createTunnels: [Step] = [], remotes: [Step] = []

        // Owned tunnels whose device no longer matches the spec (VNI, port,
        // local address, underlay changed by a reload) are made again: detach,
        // delete, create, attach. Only remotes change in place.
        var remade = Set<String>()
        for name in desired.tunnels.keys.sorted() where owned.tunnels.contains(name) {
            if let device = tunnels[name], !desired.tunnels[name]!.matches(device) { remade.insert(name) }
        }
        for key in owned.attachments.sorted() {
            guard let seen = observedAttachments[key], remade.contains(seen.port.interface) else { continue }
            detach.append(.detach(switchName: seen.port.switchName, interface: seen.port.interface))
            observedAttachments[key] = nil
        }

        // Owned attachments that are no longer wanted, or wanted differently.
        for key in owned.attachments.sorted() {
            guard let seen = observedAttachments[key] else { continue }
            let wanted = desired.attachments[key]
            let mismatch = wanted.map { $0.hostStack != seen.hostPort } ?? true
            guard mismatch else { continue }
            if owned.polling.contains(key) {
                disable.append(.disablePolling(wanted ?? AttachmentSpec(switchName: seen.port.switchName, interface: seen.port.interface, owner: .runtime)))
            }
            detach.append(.detach(switchName: seen.port.switchName, interface: seen.port.interface))
            if let wanted, interfaceExists(wanted.interface) || desired.createsInterface(wanted.interface) {
                attach.append(.attach(wanted))
                if wanted.polling != nil { enable.append(.enablePolling(wanted)) }
                if let len = wanted.vnetHeaderLength, len != 0 { enable.append(.setVnetHeader(wanted)) }
            }
        }
        // Owned polling no longer wanted on an attachment that stays.
        for key in owned.polling.sorted() {
            guard let wanted = desired.attachments[key], observedAttachments[key] != nil,
                  wanted.hostStack == observedAttachments[key]?.hostPort, wanted.polling == nil else { continue }
            disable.append(.disablePolling(wanted))
        }
        // Owned persistent ports no longer wanted.
        for name in owned.persistentPorts.sorted() where desired.persistentPorts[name] == nil && interfaceExists(name) {
            delete.append(.deletePort(name))
        }
        // Owned tunnels no longer wanted, or remade.
        for name in owned.tunnels.sorted() where (desired.tunnels[name] == nil || remade.contains(name)) && tunnels[name] != nil {
            deleteTunnels.append(.deleteTunnel(name))
        }
        // Wanted tunnels that do not exist yet, or are remade; remotes of the others.
        for name in desired.tunnels.keys.sorted() {
            let spec = desired.tunnels[name]!
            guard let device = tunnels[name] else { createTunnels.append(.createTunnel(spec)); continue }
            if remade.contains(name) { createTunnels.append(.createTunnel(spec)); continue }
            // A device valed does not own is never changed (the engine reports it).
            if owned.tunnels.contains(name), spec.kind == .vxlan, device.remotes != spec.canonicalRemotes {
                remotes.append(.setTunnelRemotes(spec))
            }
        }
        // Wanted persistent ports that do not exist yet.
        for name in desired.persistentPorts.keys.sorted() where !interfaceExists(name) {
            create.append(.createPort(desired.persistentPorts[name]!))
        }
        // Wanted attachments that are not in the datapath.
        for key in desired.attachments.keys.sorted() {
            let wanted = desired.attachments[key]!
            if let seen = observedAttachments[key] {
                // Present: adopt it. Polling is invisible to VALE_LIST, so valed
                // trusts its own record of what it enabled.
                if seen.hostPort == wanted.hostStack, wanted.polling != nil, !owned.polling.contains(key) {
                    enable.append(.enablePolling(wanted))
                }
                continue
            }
            let available = interfaceExists(wanted.interface) || desired.createsInterface(wanted.interface)
            guard available else { continue }   // reported as missing; attached when it appears
            // Someone else's device under a wanted tunnel's name: not ours to attach.
            if desired.tunnels[wanted.interface] != nil, tunnels[wanted.interface] != nil,
               !owned.tunnels.contains(wanted.interface) { continue }
            attach.append(.attach(wanted))
            if wanted.polling != nil { enable.append(.enablePolling(wanted)) }
            if let len = wanted.vnetHeaderLength, len != 0 { enable.append(.setVnetHeader(wanted)) }
        }
        return disable + detach + delete + deleteTunnels + create + createTunnels + remotes + attach + enable
    }
}
