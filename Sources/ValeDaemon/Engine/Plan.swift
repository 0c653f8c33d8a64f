/// One change the engine makes to the datapath. Steps run in the order the
/// planner emits them: polling off, detach, delete, create, attach, polling on.
public enum Step: Equatable, Sendable, CustomStringConvertible {
    case disablePolling(AttachmentSpec)
    case detach(switchName: String, interface: String)
    case deletePort(String)
    case createPort(PersistentPortSpec)
    case attach(AttachmentSpec)
    case enablePolling(AttachmentSpec)
    case setVnetHeader(AttachmentSpec)

    public var description: String {
        switch self {
        case let .disablePolling(a): "disable polling on \(a.key)"
        case let .detach(s, i): "detach \(s):\(i)"
        case let .deletePort(n): "delete port \(n)"
        case let .createPort(p): "create port \(p.name)"
        case let .attach(a): "attach \(a.key)\(a.hostStack ? " with host stack" : "")"
        case let .enablePolling(a): "enable polling on \(a.key) (CPU \(a.polling?.firstCPU ?? 0), \(a.polling?.cpus ?? 1) CPU\((a.polling?.cpus ?? 1) == 1 ? "" : "s"))"
        case let .setVnetHeader(a): "set vnet header of \(a.key) to \(a.vnetHeaderLength ?? 0)"
        }
    }

    /// The object this step is about, for per-port error reporting.
    public var subject: String {
        switch self {
        case let .disablePolling(a), let .attach(a), let .enablePolling(a), let .setVnetHeader(a): a.key
        case let .detach(s, i): "\(s):\(i)"
        case let .deletePort(n): n
        case let .createPort(p): p.name
        }
    }
}

/// Computes the steps that take the datapath from `observed` to `desired`.
/// A pure function: the same inputs give the same plan, and a plan computed
/// right after a fully applied one is empty (reconcile is idempotent).
public struct Planner: Sendable {
    public init() {}

    public func plan(desired: DesiredState, owned: OwnedObjects, observed: [ObservedPort],
                     interfaceExists: (String) -> Bool) -> [Step] {
        var observedAttachments: [String: (hostPort: Bool, port: ObservedPort)] = [:]
        for port in observed where !port.isHostPort {
            observedAttachments[port.key] = (false, port)
        }
        for port in observed where port.isHostPort {
            observedAttachments[port.key]?.hostPort = true
        }

        var disable: [Step] = [], detach: [Step] = [], delete: [Step] = []
        var create: [Step] = [], attach: [Step] = [], enable: [Step] = []

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
            if let wanted, interfaceExists(wanted.interface) || desired.persistentPorts[wanted.interface] != nil {
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
            let available = interfaceExists(wanted.interface) || desired.persistentPorts[wanted.interface] != nil
            guard available else { continue }   // reported as missing; attached when it appears
            attach.append(.attach(wanted))
            if wanted.polling != nil { enable.append(.enablePolling(wanted)) }
            if let len = wanted.vnetHeaderLength, len != 0 { enable.append(.setVnetHeader(wanted)) }
        }
        return disable + detach + delete + create + attach + enable
    }
}
