import Foundation
import ValeDatapath
import ValeState

/// The netmap module under the engine: it can vanish (unloaded under valed's
/// feet), come back, or be reloaded on purpose with the ports restored.
extension Engine {
    /// Checks that the datapath is still there; called periodically. When
    /// it vanished (netmap unloaded, vale-switchd gone) every port is marked
    /// gone with the reason; when it is back valed reopens it and reconciles
    /// everything.
    public func checkDatapath() async {
        await locked("datapath check", orElse: { _ in }) { await self.checkDatapathLocked() }
    }

    private func checkDatapathLocked() async {
        if let reason = datapath.unavailability() {
            guard datapathDown == nil else { return }
            datapathDown = reason
            datapath.suspend()
            observed = []
            logger.error("\(reason); every port is gone until \(datapath.info.component) returns")
            hub.publish(EngineEvent(kind: .module, subject: datapath.info.component, detail: reason))
            return
        }
        guard datapathDown != nil else {
            // Replaced between two checks (vale-switchd killed and restarted
            // at once): it restored what its own state file held, which
            // need not be the desired state.
            let generation = datapath.generation
            guard let reconciled = reconciledGeneration, generation != reconciled else { return }
            logger.notice("\(datapath.info.component) was replaced since the last reconcile; reconciling")
            hub.publish(EngineEvent(kind: .module, subject: datapath.info.component, detail: "\(datapath.info.component) was replaced; reconciling"))
            await reconcileLocked(stopOnFailure: false)
            return
        }
        do {
            try datapath.resume()
        } catch {
            logger.error("\(datapath.info.component) is back but cannot be opened: \(error)")
            return
        }
        datapathDown = nil
        logger.notice("\(datapath.info.component) is back; restoring the switches")
        hub.publish(EngineEvent(kind: .module, subject: datapath.info.component, detail: "\(datapath.info.component) is back; reconciling"))
        await reconcileLocked(stopOnFailure: false)
    }

    /// One step of a module reload, for the report.
    public struct ModuleReloadStep: Sendable, Equatable {
        public var description: String
        public var error: String?
    }

    /// `valectl module reload` with ports attached, the way `ovs-ctl
    /// force-reload-kmod` does it: remove what holds the module (polling,
    /// attachments, persistent ports, valed's own /dev/netmap descriptor),
    /// unload, load, and restore everything from the desired state. Stops at
    /// the first failure; the desired state is untouched, so a later
    /// reconcile (or `module load`) finishes the job, and the report says
    /// what was done.
    public func reloadModule(unload: @escaping @Sendable () async throws -> Void,
                             load: @escaping @Sendable () async throws -> Void) async -> (steps: [ModuleReloadStep], report: ReconcileReport?) {
        await locked("module reload", orElse: { ([ModuleReloadStep(description: "module reload", error: "\($0)")], nil) }) {
            await self.reloadModuleLocked(unload: unload, load: load)
        }
    }

    private func reloadModuleLocked(unload: @escaping @Sendable () async throws -> Void,
                                    load: @escaping @Sendable () async throws -> Void) async -> (steps: [ModuleReloadStep], report: ReconcileReport?) {
        refreshObserved()
        // 1. Save: the desired state already holds every attachment and is not changed.
        var steps = [ModuleReloadStep(description: "saved \(state.desired.attachments.count) attachments and \(state.desired.persistentPorts.count) persistent ports")]
        // 2. Take down what holds a reference on the module, then unload and load.
        var takeDown: [Step] = []
        for key in state.owned.polling.sorted() {
            if let a = state.desired.attachments[key] ?? attachment(forKey: key) { takeDown.append(.disablePolling(a)) }
        }
        for port in observed where !port.isHostPort && state.owned.attachments.contains(port.key) {
            takeDown.append(.detach(switchName: port.switchName, interface: port.interface))
        }
        for name in state.owned.persistentPorts.sorted() { takeDown.append(.deletePort(name)) }
        for step in takeDown {
            do {
                // Unlike a reconcile, the desired state keeps the object: it comes back after the load.
                try await execute(step, restoringNIC: false)
                steps.append(ModuleReloadStep(description: step.description))
            } catch {
                steps.append(ModuleReloadStep(description: step.description, error: "\(error)"))
                return finish(steps)
            }
        }
        datapath.suspend()
        steps.append(ModuleReloadStep(description: "closed /dev/netmap"))
        for (what, action) in [("unload netmap", unload), ("load netmap", load)] {
            do {
                try await action()
                steps.append(ModuleReloadStep(description: what))
            } catch {
                steps.append(ModuleReloadStep(description: what, error: "\(error)"))
                logger.error("module reload: \(what) failed: \(error)")
                return finish(steps, resume: true)
            }
        }
        // 3. Restore everything from the desired state.
        do { try datapath.resume() } catch {
            steps.append(ModuleReloadStep(description: "reopen /dev/netmap", error: "\(error)"))
            return finish(steps)
        }
        steps.append(ModuleReloadStep(description: "reopened /dev/netmap"))
        let report = await reconcileLocked(stopOnFailure: false)
        steps.append(ModuleReloadStep(description: "restored: \(report.summary)", error: report.succeeded ? nil : "\(report.failed.count) steps failed"))
        return (steps, report)
    }

    private func finish(_ steps: [ModuleReloadStep], resume: Bool = false) -> (steps: [ModuleReloadStep], report: ReconcileReport?) {
        if resume { try? datapath.resume() }
        refreshObserved()
        return (steps, nil)
    }

    private func attachment(forKey key: String) -> AttachmentSpec? {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return AttachmentSpec(switchName: parts[0], interface: parts[1], owner: .runtime)
    }
}
