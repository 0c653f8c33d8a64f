import Foundation
import ValeDatapath
import ValeState

/// The result of `valectl apply`: the plan, and for a real run what was
/// applied, what failed and what was not attempted.
public struct ApplyResult: Sendable {
    public var plan: [Step]
    public var report: ReconcileReport?
    public var dryRun: Bool
}

extension Engine {
    /// `valectl reload` and SIGHUP: re-reads the configuration file. A file
    /// with any error is rejected as a whole; running and stored state stay
    /// exactly as they were.
    public func reload() async throws -> ReconcileReport {
        try await lock.run("reload") { try await self.reloadLocked() }
    }

    private func reloadLocked() async throws -> ReconcileReport {
        let newConfig: ValedConfig
        if ConfigParser.isPipe(path: configPath) {
            throw EngineError(.configRejected, "cannot reload \(configPath): it is a pipe (FIFO), read once when valed started; nothing changed (start valed with a regular file to use reload)")
        }
        do { newConfig = try ConfigParser.load(path: configPath) } catch let error as ConfigError {
            throw EngineError(.configRejected, "\(error)")
        }
        let previous = state
        config = newConfig
        state.desired = state.desired.replacing(owner: .config, with: newConfig.desired)
        if state != previous { try saveOrRevert() }
        hub.publish(EngineEvent(kind: .configReloaded, subject: configPath, detail: "configuration reloaded"))
        await waitTestApplyDelay("reload")
        return await reconcileLocked(stopOnFailure: false)
    }

    /// `valectl apply -f FILE [--dry-run]`: makes the whole desired state equal
    /// to the file. Stops at the first failed step; the store then describes
    /// exactly what the datapath has, so nothing is half-recorded.
    public func apply(configText: String, fileName: String, dryRun: Bool) async throws -> ApplyResult {
        try await lock.run(dryRun ? "apply --dry-run" : "apply") { try await self.applyLocked(configText, fileName, dryRun) }
    }

    private func applyLocked(_ text: String, _ fileName: String, _ dryRun: Bool) async throws -> ApplyResult {
        let newConfig: ValedConfig
        do { newConfig = try ConfigParser(fileName: fileName).parse(text) } catch let error as ConfigError {
            throw EngineError(.configRejected, "\(error)")
        }
        refreshObserved()
        var scratch = ReconcileReport()
        adoptObserved(into: &scratch)
        var target = newConfig.desired
        // Objects of the file are owned by valed from now on, like config entries.
        // Entries the file adds are valectl (runtime) changes: a later reload of
        // the configuration file keeps them. Entries that existed keep their owner.
        for k in target.attachments.keys { target.attachments[k]?.owner = state.desired.attachments[k]?.owner ?? .runtime }
        for k in target.persistentPorts.keys { target.persistentPorts[k]?.owner = state.desired.persistentPorts[k]?.owner ?? .runtime }
        let plan = planner.plan(desired: target, owned: state.owned, observed: observed, tunnels: observedTunnels, interfaceExists: { self.datapath.interfaceExists($0) })
        if dryRun { return ApplyResult(plan: plan, report: nil, dryRun: true) }
        let previous = state.desired
        state.desired = target
        config.nicDefaults = newConfig.nicDefaults
        try saveOrRevert()
        await waitTestApplyDelay("apply")
        let report = await reconcileLocked(stopOnFailure: true)
        if !report.succeeded { settleDesiredAfterFailedApply(previous: previous, target: target) }
        return ApplyResult(plan: plan, report: report, dryRun: false)
    }

    /// After a failed apply, desired := what the datapath really has: entries
    /// of the new state that made it, plus entries of the old one still present.
    private func settleDesiredAfterFailedApply(previous: DesiredState, target: DesiredState) {
        refreshObserved()
        let present = Set(observed.filter { !$0.isHostPort }.map(\.key))
        var settled = DesiredState()
        for (k, v) in target.attachments where present.contains(k) { settled.attachments[k] = v }
        for (k, v) in previous.attachments where present.contains(k) && settled.attachments[k] == nil { settled.attachments[k] = v }
        for (k, v) in target.persistentPorts where existingInterfaces.contains(k) { settled.persistentPorts[k] = v }
        for (k, v) in previous.persistentPorts where existingInterfaces.contains(k) && settled.persistentPorts[k] == nil { settled.persistentPorts[k] = v }
        state.desired = settled
        persist()
    }

    /// `valectl teardown`: removes everything valed owns (detach, delete,
    /// polling off) and restores every NIC it changed. Foreign ports stay.
    public func teardown() async -> ReconcileReport {
        await locked("teardown", orElse: { .refused($0) }) { await self.teardownLocked() }
    }

    private func teardownLocked() async -> ReconcileReport {
        state.desired = DesiredState()
        persist()
        let report = await reconcileLocked(stopOnFailure: false)
        for interface in state.savedNICs.keys.sorted() { restoreNIC(interface) }
        return report
    }

    /// The effective desired state as YAML in the configuration file's schema
    /// (`valectl config show`), with each entry's owner as a comment.
    public func desiredStateYAML() -> String {
        ConfigRenderer().render(config: config, desired: state.desired)
    }
}
