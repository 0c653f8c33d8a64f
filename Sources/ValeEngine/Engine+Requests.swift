import Foundation
import ValeDatapath
import ValeState

/// The outcome of a request: what happened, as a sentence, and whether
/// anything changed (asking for what already is succeeds and says so).
public struct OperationResult: Sendable, Equatable {
    public var message: String
    public var changed: Bool
    public init(message: String, changed: Bool) { self.message = message; self.changed = changed }
}

extension Engine {
    /// `valectl attach SWITCH:IF [--host-stack]`.
    public func attach(switchName: String, interface: String, hostStack: Bool, force: Bool = false) async throws -> OperationResult {
        try await lock.run("attach of \(switchName):\(interface)") { try await self.attachLocked(switchName, interface, hostStack, force) }
    }

    private func attachLocked(_ switchName: String, _ interface: String, _ hostStack: Bool, _ force: Bool) async throws -> OperationResult {
        if let problem = DesiredState.switchNameProblem(switchName) {
            throw EngineError(.invalidArgument, "cannot attach \(switchName):\(interface): \(problem)")
        }
        if let problem = DesiredState.interfaceNameProblem(interface) {
            throw EngineError(.invalidArgument, "cannot attach \(switchName):\(interface): \(problem)")
        }
        let key = "\(switchName):\(interface)"
        if let existing = state.desired.attachment(ofInterface: interface) {
            if existing.switchName != switchName {
                throw EngineError(.conflict, "cannot attach \(key): \(interface) is already attached to \(existing.switchName)")
            }
            if existing.hostStack == hostStack {
                refreshObserved()
                if observed.contains(where: { $0.key == key }) {
                    return OperationResult(message: "\(key) is already attached\(hostStack ? " with its host stack" : "")", changed: false)
                }
                let report = await reconcileLocked(stopOnFailure: false)
                return try outcome(of: report, for: key, success: "attached \(key)")
            }
        }
        refreshObserved()
        if let other = observed.first(where: { $0.interface == interface && !$0.isHostPort }),
           state.desired.attachments[other.key] == nil {
            throw EngineError(.conflict, "cannot attach \(key): \(interface) is already attached to \(other.switchName) by another program (not managed by valed)")
        }
        guard datapath.interfaceExists(interface) || state.desired.createsInterface(interface) else {
            throw EngineError(.notFound, "cannot attach \(key): no interface named \(interface)")
        }
        let slots = state.desired.attachments.values.filter { $0.switchName == switchName }.reduce(0) { $0 + ($1.hostStack ? 2 : 1) }
        if slots + (hostStack ? 2 : 1) > DesiredState.usablePortsPerSwitch {
            throw EngineError(.conflict, "cannot attach \(key): \(switchName) is full (\(DesiredState.usablePortsPerSwitch) ports)")
        }
        if let problem = switchLimitProblem(switchName) {
            throw EngineError(.conflict, "cannot attach \(key): \(problem)")
        }
        let previous = state.desired
        var spec = state.desired.attachments[key] ?? AttachmentSpec(switchName: switchName, interface: interface, owner: .runtime)
        spec.hostStack = hostStack
        if !force, let problem = attachGuard(spec, Set(observed.filter { !$0.isHostPort }.map(\.interface))) {
            throw EngineError(.conflict, problem)
        }
        state.desired.attachments[key] = spec
        try saveOrRevert()
        let report = await reconcileLocked(stopOnFailure: false)
        let attached = try outcome(of: report, for: key, success: "attached \(key)\(hostStack ? " with its host stack" : "")", rollbackTo: previous)
        if nics[interface]?.carrier == false {
            return OperationResult(message: "\(key) attached\(hostStack ? " with its host stack" : ""); no carrier yet (an event follows when it comes)",
                                   changed: attached.changed)
        }
        return attached
    }

    /// Why a new switch cannot be made (all `max_bridges` in use: the kernel
    /// would answer ENOMEM, NETMAP-API.md 7.12), or nil.
    func switchLimitProblem(_ switchName: String) -> String? {
        let newSwitch = !state.desired.switchNames.contains(switchName) && !observed.contains { $0.switchName == switchName }
        guard newSwitch else { return nil }
        let inUse = Set(observed.map(\.switchName)).union(state.desired.switchNames)
        let limit = Int(config.module.options["max_bridges"] ?? "") ?? DesiredState.defaultMaxSwitches
        guard inUse.count >= limit else { return nil }
        return "all \(limit) switches of this network namespace are in use (\(inUse.sorted().joined(separator: ", ")))"
    }

    /// Refuses to detach or delete a port netmap renamed (7.11), saying why.
    func refuseIfRenamed(_ key: String, _ action: String) throws {
        guard renamedByKernel.contains(key) else { return }
        let name = String(key.drop { $0 != ":" }.dropFirst()), switchName = String(key.prefix { $0 != ":" })
        throw EngineError(.conflict, "cannot \(action): \(key) was \(Self.renameTrapSentence(switchName: switchName, port: name))")
    }

    /// `valectl detach SWITCH:IF`.
    public func detach(switchName: String, interface: String) async throws -> OperationResult {
        try await lock.run("detach of \(switchName):\(interface)") { try await self.detachLocked(switchName, interface) }
    }

    private func detachLocked(_ switchName: String, _ interface: String) async throws -> OperationResult {
        let key = "\(switchName):\(interface)"
        refreshObserved()
        try refuseIfRenamed(key, "detach \(key)")
        let present = observed.contains { $0.key == key && !$0.isHostPort }
        if state.desired.attachments[key] == nil {
            if present && !state.owned.attachments.contains(key) {
                throw EngineError(.foreign, "cannot detach \(key): it was not attached by valed (an ephemeral port or another program's attachment); valed does not touch it")
            }
            if !present { return OperationResult(message: "\(key) is not attached", changed: false) }
        }
        state.desired.attachments[key] = nil
        try saveOrRevert()
        let report = await reconcileLocked(stopOnFailure: false)
        return try outcome(of: report, for: key, success: "detached \(key)")
    }

    /// `valectl port create NAME [--switch S] [geometry]`.
    public func createPort(name: String, switchName: String?, geometry: PortGeometry, user: String? = nil, group: String? = nil) async throws -> OperationResult {
        try await lock.run("creation of port \(name)") { try await self.createPortLocked(name, switchName, geometry, user, group) }
    }

    private func createPortLocked(_ name: String, _ switchName: String?, _ geometry: PortGeometry, _ user: String?, _ group: String?) async throws -> OperationResult {
        if let problem = DesiredState.persistentPortNameProblem(name) {
            throw EngineError(.invalidArgument, "cannot create port \(name): \(problem)")
        }
        if let switchName, let problem = DesiredState.switchNameProblem(switchName) {
            throw EngineError(.invalidArgument, "cannot create port \(name) on \(switchName): \(problem)")
        }
        for (value, limit, what) in [(Int(geometry.txSlots), DesiredState.maxSlots, "tx-slots"), (Int(geometry.rxSlots), DesiredState.maxSlots, "rx-slots"),
                                     (Int(geometry.txRings), DesiredState.maxRings, "tx-rings"), (Int(geometry.rxRings), DesiredState.maxRings, "rx-rings")] where value > limit {
            throw EngineError(.invalidArgument, "cannot create port \(name): \(what) must be at most \(limit), not \(value)")
        }
        if let switchName {
            refreshObserved()
            if let problem = switchLimitProblem(switchName) {
                throw EngineError(.conflict, "cannot create port \(name) on \(switchName): \(problem)")
            }
        }
        var changed = false
        let previous = state.desired
        if let existing = state.desired.persistentPorts[name] {
            if geometry != PortGeometry() && existing.geometry != geometry {
                throw EngineError(.conflict, "cannot create port \(name): it exists with different rings/slots; delete it first")
            }
        } else {
            refreshObserved()
            if datapath.interfaceExists(name) {
                throw EngineError(.conflict, "cannot create port \(name): an interface named \(name) already exists and valed did not create it")
            }
            state.desired.persistentPorts[name] = PersistentPortSpec(name: name, geometry: geometry, user: user, group: group, owner: .runtime)
            changed = true
        }
        if let switchName {
            let key = "\(switchName):\(name)"
            if let other = state.desired.attachment(ofInterface: name), other.switchName != switchName {
                throw EngineError(.conflict, "cannot attach port \(name) to \(switchName): it is already attached to \(other.switchName)")
            }
            if state.desired.attachments[key] == nil {
                state.desired.attachments[key] = AttachmentSpec(switchName: switchName, interface: name, owner: .runtime)
                changed = true
            }
        }
        guard changed else {
            return OperationResult(message: "port \(name) already exists" + (switchName.map { " on \($0)" } ?? ""), changed: false)
        }
        try saveOrRevert()
        let report = await reconcileLocked(stopOnFailure: false)
        let subjects = Set([name] + (switchName.map { ["\($0):\(name)"] } ?? []))
        if let failure = report.failed.first(where: { subjects.contains($0.step.subject) }) {
            state.desired = previous
            for s in subjects { errors[s] = nil }
            persist()
            // NEWIF may have worked where the attach did not (a ninth switch,
            // issue 15 item 6): what this request made goes again now, not
            // at some later reconcile.
            await reconcileLocked(stopOnFailure: false)
            throw EngineError(.datapathFailed, Self.failureSentence(failure.step, failure.error))
        }
        return OperationResult(message: "created port \(name)" + (switchName.map { " on \($0)" } ?? ""), changed: true)
    }

    /// `valectl port delete NAME`: detaches it first if valed attached it.
    public func deletePort(name: String) async throws -> OperationResult {
        try await lock.run("deletion of port \(name)") { try await self.deletePortLocked(name) }
    }

    private func deletePortLocked(_ name: String) async throws -> OperationResult {
        refreshObserved()
        if let key = renamedByKernel.first(where: { $0.hasSuffix(":\(name)") }) { try refuseIfRenamed(key, "delete port \(name)") }
        guard state.desired.persistentPorts[name] != nil || state.owned.persistentPorts.contains(name) else {
            refreshObserved()
            if datapath.interfaceExists(name) {
                throw EngineError(.foreign, "cannot delete port \(name): valed did not create it")
            }
            return OperationResult(message: "port \(name) does not exist", changed: false)
        }
        state.desired.persistentPorts[name] = nil
        for (key, a) in state.desired.attachments where a.interface == name { state.desired.attachments[key] = nil }
        try saveOrRevert()
        let report = await reconcileLocked(stopOnFailure: false)
        return try outcome(of: report, for: name, success: "deleted port \(name)")
    }

    /// `valectl polling enable|disable SWITCH:IF`.
    public func setPolling(switchName: String, interface: String, polling: PollingSpec?) async throws -> OperationResult {
        try await lock.run("polling change of \(switchName):\(interface)") { try await self.setPollingLocked(switchName, interface, polling) }
    }

    private func setPollingLocked(_ switchName: String, _ interface: String, _ polling: PollingSpec?) async throws -> OperationResult {
        let key = "\(switchName):\(interface)"
        guard var spec = state.desired.attachments[key] else {
            throw EngineError(.notFound, "cannot change polling on \(key): valed has no such attachment (attach it first)")
        }
        if !datapath.capabilities.polling {
            throw EngineError(.notSupported, "cannot change polling on \(key): kernel polling threads exist only on the kernel datapath (this valed runs the \(datapath.info.kind.rawValue) datapath)")
        }
        if state.desired.persistentPorts[interface] != nil {
            throw EngineError(.invalidArgument, "cannot change polling on \(key): polling is for NICs, and \(interface) is a persistent port (netmap answers EOPNOTSUPP)")
        }
        if let polling {
            let cpus = ProcessInfo.processInfo.activeProcessorCount
            if Int(polling.firstCPU) + Int(polling.cpus) > cpus || polling.cpus < 1 {
                throw EngineError(.invalidArgument, "cannot enable polling on \(key): CPUs \(polling.firstCPU)…\(polling.firstCPU + polling.cpus - 1) do not exist (this host has 0…\(cpus - 1))")
            }
            if Int(polling.cpus) >= cpus {
                throw EngineError(.invalidArgument, "cannot enable polling on \(key): netmap never lets all \(cpus) CPUs poll; use at most \(cpus - 1)")
            }
        }
        if spec.polling == polling {
            // Polling is invisible to VALE_LIST, and `vale-ctl -P` may have
            // stopped valed's thread (issue 15 item 4): asking again is
            // harmless (EFAULT while a thread runs) and tells which it is.
            if let polling, state.owned.polling.contains(key),
               try datapath.enablePollingUnlessRunning(switchName: switchName, interface: interface, polling) {
                errors[key] = nil
                return OperationResult(message: "polling enabled on \(key) again: its thread had been stopped outside valed (vale-ctl -P)", changed: true)
            }
            return OperationResult(message: polling == nil ? "polling is already off on \(key)" : "polling is already on on \(key)", changed: false)
        }
        let previous = spec.polling
        let previousDesired = state.desired
        spec.polling = polling
        state.desired.attachments[key] = spec
        try saveOrRevert()
        if previous != nil && polling != nil, state.owned.polling.contains(key) {
            // New CPUs: netmap has no "change"; stop and start again.
            try? datapath.disablePolling(switchName: switchName, interface: interface)
            state.owned.polling.remove(key)
            persist()
        }
        let report = await reconcileLocked(stopOnFailure: false)
        // A refused enable (EFAULT: `vale-ctl -p` runs a thread already)
        // leaves nothing desired, so nothing stale shows in list or port show.
        let result = try outcome(of: report, for: key, success: polling == nil ? "polling disabled on \(key)" : "polling enabled on \(key)",
                                 rollbackTo: previousDesired)
        errors[key] = nil
        return result
    }

    /// `valectl vnet-hdr set SWITCH:PORT LEN`.
    public func setVnetHeader(switchName: String, port: String, length: UInt32) async throws -> OperationResult {
        try await lock.run("vnet header change of \(switchName):\(port)") { try await self.setVnetHeaderLocked(switchName, port, length) }
    }

    private func setVnetHeaderLocked(_ switchName: String, _ port: String, _ length: UInt32) async throws -> OperationResult {
        let key = "\(switchName):\(port)"
        guard [0, 10, 12].contains(length) else {
            throw EngineError(.invalidArgument, "cannot set the vnet header of \(key): the length must be 0, 10 or 12, not \(length)")
        }
        guard var spec = state.desired.attachments[key] else {
            throw EngineError(.notFound, "cannot set the vnet header of \(key): valed has no such port")
        }
        if (spec.vnetHeaderLength ?? 0) == length {
            return OperationResult(message: "the vnet header of \(key) is already \(length)", changed: false)
        }
        try datapath.setVnetHeaderLength(switchName: switchName, port: port, length: length)
        spec.vnetHeaderLength = length
        state.desired.attachments[key] = spec
        try saveOrRevert()
        return OperationResult(message: "set the vnet header of \(key) to \(length)", changed: true)
    }

    /// Saves the state; on failure the in-memory desired state is reloaded
    /// from disk so memory and disk never disagree.
    func saveOrRevert() throws {
        do { try store.save(state) } catch {
            if let onDisk = try? store.load() { state = onDisk }
            throw EngineError(.datapathFailed, "cannot save the state: \(error)")
        }
    }

    /// Turns a reconcile report into the answer for one object. When the
    /// object's step failed and `rollbackTo` is given, the desired state goes
    /// back to it: a refused request changes nothing.
    func outcome(of report: ReconcileReport, for subject: String, success: String, rollbackTo previous: DesiredState? = nil) throws -> OperationResult {
        if let failure = report.failed.first(where: { $0.step.subject == subject }) {
            if let previous {
                state.desired = previous
                errors[subject] = nil
                persist()
            }
            throw EngineError(.datapathFailed, Self.failureSentence(failure.step, failure.error))
        }
        return OperationResult(message: success, changed: true)
    }

    /// "cannot STEP: ERROR", unless the error already is such a sentence
    /// (NetmapKit's are: "cannot attach vale9:s9: …" — issue 15 item 6).
    static func failureSentence(_ step: Step, _ error: String) -> String {
        error.hasPrefix("cannot ") ? error : "cannot \(step): \(error)"
    }
}
