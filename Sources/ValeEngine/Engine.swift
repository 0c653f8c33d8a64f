import Foundation
import Logging
import ValeDatapath
import ValeState

/// The one owner of valed's state. Every change — from valectl, from the
/// configuration file, from a netlink event — becomes a change of desired or
/// observed state followed by a reconcile. Desired state is persisted before
/// the datapath is touched, and ownership is recorded after, so a crash at any
/// point is repaired by the next start.
public actor Engine {
    public nonisolated let datapath: any Datapath
    let store: Store
    let nic: NICPreparing
    let tunnels: TunnelManaging
    let logger: Logger
    let planner = Planner()
    let lock = AsyncLock()
    let hub = EventHub()

    /// Where the configuration file lives (reload re-reads it).
    public nonisolated let configPath: String
    var config = ValedConfig()
    var state = StoredState()
    /// The datapath's view at the end of the last reconcile.
    var observed: [ObservedPort] = []
    var existingInterfaces: Set<String> = []
    /// Devices named like a desired or owned tunnel, at the last refresh.
    var observedTunnels: [String: ObservedTunnel] = [:]
    /// MTU warnings of the tunnels created by the last reconcile, by name.
    var tunnelWarnings: [String: [String]] = [:]
    /// The last error of each object ("vale0:eth0", "vm1"), cleared on success.
    var errors: [String: String] = [:]
    /// Each interface valed attaches or attached: preparing, settling,
    /// attached (with its carrier as last read or reported), missing,
    /// restoring. Its saved settings are in `state.savedNICs` (the store).
    var nics: [String: NICState] = [:]
    /// Attachments the kernel lists under their bare netdev name (the rename
    /// trap, NETMAP-API.md 7.11): present, but beyond detach and delete.
    var renamedByKernel: Set<String> = []
    public private(set) var lastReport: ReconcileReport? {
        didSet {
            guard let lastReport else { return }
            reconcileTotals.reconciles += 1
            reconcileTotals.failedSteps += lastReport.failed.count
        }
    }
    /// Reconciles and failed steps since valed started (metrics).
    public private(set) var reconcileTotals = ReconcileTotals()
    /// Why the datapath is gone (netmap unloaded under valed's feet), or nil.
    var datapathDown: String?
    /// `datapath.generation` when the last reconcile started: the switches
    /// it made match the desired state belong to that generation.
    var reconciledGeneration: UInt64?
    /// Extra facts for `valectl status` (module state), set by the daemon.
    var moduleSummary: @Sendable () -> String = { "not used" }
    /// Swaps a NIC's driver for its netmap-native build (`driver: native`);
    /// returns what it did, or nil when the native driver already runs. The
    /// datapath's own hook unless a test replaces it.
    var driverSwapper: @Sendable (String) async throws -> String?
    /// How long to wait for a NIC to return after its driver was swapped.
    var driverSwapTimeout: Duration = .seconds(30)
    /// A reason to refuse an attach unless forced (the native veth rule of
    /// NETMAP-API.md 7.5), given the interfaces currently on switches. The
    /// datapath's own hook unless replaced.
    var attachGuard: @Sendable (AttachmentSpec, Set<String>) -> String?
    /// Liveness probes answered (`heartbeat`).
    var heartbeats: UInt64 = 0
    /// Test-only delay of every apply and reload (`setTestApplyDelay`).
    var testApplyDelay: Duration?

    public init(datapath: any Datapath, store: Store, configPath: String, nic: NICPreparing = NoNICPreparation(),
                tunnels: TunnelManaging = NoTunnels(), logger: Logger) {
        self.datapath = datapath
        self.store = store
        self.configPath = configPath
        self.nic = nic
        self.tunnels = tunnels
        self.logger = logger
        self.driverSwapper = { interface in try await datapath.swapToNativeDriver(of: interface) }
        self.attachGuard = { spec, attached in datapath.attachProblem(spec, attachedInterfaces: attached) }
    }

    /// Reads the store and the configuration, adopts what the datapath
    /// already has and repairs what is missing. A restart flaps no port:
    /// ports that are already attached are adopted without any call.
    @discardableResult
    public func start(config: ValedConfig) async throws -> ReconcileReport {
        try await lock.run("start") {
            try await self.startLocked(config: config)
        }
    }

    private func startLocked(config: ValedConfig) async throws -> ReconcileReport {
        self.config = config
        state = try store.load()
        let merged = state.desired.replacing(owner: .config, with: config.desired)
        if merged != state.desired {
            state.desired = merged
            try store.save(state)
        }
        let report = await reconcileLocked(stopOnFailure: false)
        readCarrierOfAttachedNICs()
        return report
    }

    /// Carrier is not in the store: after a restart it is read from the NICs
    /// again (issue 15 item 9), then followed through link events.
    func readCarrierOfAttachedNICs() {
        for a in state.desired.attachments.values where state.owned.attachments.contains(a.key)
            && state.desired.persistentPorts[a.interface] == nil && nics[a.interface]?.carrier == nil {
            let carrier = nic.carrier(a.interface)
            nics[a.interface] = nics[a.interface]?.with(carrier: carrier) ?? .attached(carrier: carrier)
        }
    }

    public func setModuleSummary(_ summary: @escaping @Sendable () -> String) { moduleSummary = summary }

    public func setDriverSwapper(timeout: Duration = .seconds(30), _ swapper: @escaping @Sendable (String) async throws -> String?) {
        driverSwapper = swapper
        driverSwapTimeout = timeout
    }

    /// Brings the datapath to the desired state.
    @discardableResult
    public func reconcile() async -> ReconcileReport {
        await locked("reconcile", orElse: { .refused($0) }) { await self.reconcileLocked(stopOnFailure: false) }
    }

    /// One reconcile pass. Must be called with `lock` held.
    @discardableResult
    func reconcileLocked(stopOnFailure: Bool) async -> ReconcileReport {
        var report = ReconcileReport()
        if let reason = datapathDown {
            // Nothing can be applied; keep the desired state for when it returns.
            report.failed = [(.attach(AttachmentSpec(switchName: "-", interface: "-", owner: .runtime)), reason)]
            lastReport = report
            return report
        }
        reconciledGeneration = datapath.generation
        refreshObserved()
        adoptObserved(into: &report)
        // A renamed port cannot be detached (ENXIO) nor deleted (EBUSY):
        // trying would fail every reconcile (issue 15 item 8).
        let steps = planner.plan(desired: state.desired, owned: state.owned, observed: observed, tunnels: observedTunnels,
                                 interfaceExists: { self.datapath.interfaceExists($0) })
            .filter { !isBeyondReachAfterRename($0) }
        var stopped = false
        for step in steps {
            if stopped { report.skipped.append(step); continue }
            do {
                try await execute(step)
                report.applied.append(step)
                errors[step.subject] = nil
            } catch {
                let message = "\(error)"
                report.failed.append((step, message))
                errors[step.subject] = message
                logger.error("\(Self.failureSentence(step, message))", metadata: .port(step.subject))
                hub.publish(EngineEvent(kind: .portError, subject: step.subject, detail: Self.failureSentence(step, message)))
                if stopOnFailure { stopped = true }
            }
        }
        if !steps.isEmpty { refreshObserved() }
        report.missing = state.desired.attachments.values
            .filter { !existingInterfaces.contains($0.interface) && !state.desired.createsInterface($0.interface) }
            .map(\.key).sorted()
        for key in report.missing where errors[key] == nil {
            hub.publish(EngineEvent(kind: .portMissing, subject: key, detail: "interface \(key.split(separator: ":").last ?? "") does not exist"))
        }
        lastReport = report
        hub.publish(EngineEvent(kind: .reconciled, subject: "valed", detail: report.summary))
        if !report.applied.isEmpty || !report.failed.isEmpty {
            logger.info("reconcile: \(report.summary)")
        }
        return report
    }

    /// Reads the datapath's ports and which interfaces exist.
    func refreshObserved() {
        if datapathDown != nil { observed = []; return }
        do { observed = try datapath.observe() } catch {
            logger.error("cannot list the datapath's ports: \(error)")
        }
        noteRenamedPorts()
        // Every name valed cares about, each asked about once. A port only in
        // the switch list is not a netdev (an ephemeral port).
        let candidates = Set(observed.map(\.interface)).union(state.desired.persistentPorts.keys)
            .union(state.desired.attachments.values.map(\.interface)).union(state.owned.persistentPorts)
            .union(state.desired.tunnels.keys).union(state.owned.tunnels)
        existingInterfaces = candidates.filter { datapath.interfaceExists($0) }
        var devices: [String: ObservedTunnel] = [:]
        for name in Set(state.desired.tunnels.keys).union(state.owned.tunnels) {
            devices[name] = tunnels.observe(name)
        }
        observedTunnels = devices
    }

    /// The kernel lists a persistent port caught by the rename trap as `rt0`
    /// on a bridge index only; valed knows which switch it attached rt0 to,
    /// so the port keeps its key, and the user is told once what happened.
    func noteRenamedPorts() {
        var renamed: Set<String> = []
        for i in observed.indices where observed[i].renamedByKernel {
            let name = observed[i].port
            let known = state.desired.attachment(ofInterface: name)
                ?? state.owned.attachments.first { $0.hasSuffix(":\(name)") }.map { key in
                    AttachmentSpec(switchName: String(key.prefix { $0 != ":" }), interface: name, owner: .runtime)
                }
            guard let a = known, observed[i].switchName == a.switchName || !observed[i].switchName.hasPrefix("val") else { continue }
            observed[i].switchName = a.switchName
            renamed.insert(a.key)
            if !renamedByKernel.contains(a.key) {
                let sentence = Self.renameTrapSentence(switchName: a.switchName, port: name)
                logger.warning("\(a.key): \(sentence)", metadata: .port(a.key))
                hub.publish(EngineEvent(kind: .portError, subject: a.key, detail: sentence))
            }
        }
        renamedByKernel = renamed
    }

    /// What happened to a renamed persistent port and how to repair it.
    static func renameTrapSentence(switchName: String, port: String) -> String {
        "renamed \(port) inside \(switchName) by the kernel after a PORT_INFO_GET from outside valed (vale-ctl -g \(port), or a program opening netmap:\(port); netmap's rename trap, NETMAP-API.md 7.11): it still forwards, but netmap can no longer detach it (ENXIO) or delete it (EBUSY), so valed leaves it as it is; to repair, reboot (netmap cannot be unloaded while \(port) exists) and valed recreates \(switchName):\(port)"
    }

    /// Steps netmap refuses on a renamed port: detaching it, deleting its
    /// netdev, changing its polling.
    func isBeyondReachAfterRename(_ step: Step) -> Bool {
        switch step {
        case let .detach(s, i): renamedByKernel.contains("\(s):\(i)")
        case let .deletePort(name): renamedByKernel.contains { $0.hasSuffix(":\(name)") }
        case let .disablePolling(a), let .setVnetHeader(a): renamedByKernel.contains(a.key)
        default: false
        }
    }

    /// Desired objects found already present become owned (adopted); owned
    /// objects that vanished from the datapath are forgotten.
    func adoptObserved(into report: inout ReconcileReport) {
        var owned = state.owned
        let present = Set(observed.filter { !$0.isHostPort }.map(\.key))
        for key in state.desired.attachments.keys where present.contains(key) && !owned.attachments.contains(key) {
            owned.attachments.insert(key)
            report.adopted.append(key)
        }
        owned.attachments = owned.attachments.filter { present.contains($0) }
        owned.polling = owned.polling.filter { present.contains($0) }
        for name in state.desired.persistentPorts.keys where existingInterfaces.contains(name) && !owned.persistentPorts.contains(name) {
            owned.persistentPorts.insert(name)
            report.adopted.append(name)
        }
        owned.persistentPorts = owned.persistentPorts.filter { existingInterfaces.contains($0) }
        // Tunnels are never adopted: a device valed did not create under a
        // wanted tunnel's name is reported and left alone (docs/overlays.md).
        owned.tunnels = owned.tunnels.filter { observedTunnels[$0] != nil }
        // `tunnel list` says so (PortState.notOwned); no error of an earlier
        // attempt stays on it.
        for name in state.desired.tunnels.keys where !owned.tunnels.contains(name) { errors[name] = nil }
        if owned != state.owned { state.owned = owned; persist() }
    }

    /// Runs one step against the datapath and records the outcome in the store.
    /// `restoringNIC: false` keeps a detached NIC's saved settings (module reload).
    func execute(_ step: Step, restoringNIC: Bool = true) async throws {
        switch step {
        case let .createPort(spec):
            _ = try datapath.createPersistentPort(spec)
            state.owned.persistentPorts.insert(spec.name)
            // Asked now, before the attach: asking an attached persistent port
            // renames it (NETMAP-API.md 7.11; issue 15 item 5).
            if datapath.capabilities.ringDetails, let details = try? datapath.portDetails(switchName: nil, port: spec.name),
               let id = details.memoryID {
                state.persistentPortMemory[spec.name] = StoredPortMemory(id: id, size: details.memorySize)
            }
            persist()
            hub.publish(EngineEvent(kind: .portCreated, subject: spec.name, detail: "persistent port created"))
        case let .deletePort(name):
            try datapath.deletePersistentPort(named: name)
            state.owned.persistentPorts.remove(name)
            state.persistentPortMemory[name] = nil
            persist()
            hub.publish(EngineEvent(kind: .portDeleted, subject: name, detail: "persistent port deleted"))
        case let .attach(spec):
            try await attachNIC(spec)
        case let .detach(switchName, interface):
            try datapath.detach(switchName: switchName, interface: interface)
            let key = "\(switchName):\(interface)"
            state.owned.attachments.remove(key)
            state.owned.polling.remove(key)
            persist()
            logger.info("detached \(key)", metadata: .port(key))
            if restoringNIC { restoreNIC(interface) }
            hub.publish(EngineEvent(kind: .portDetached, subject: key, detail: "detached"))
        case let .enablePolling(spec):
            guard let polling = spec.polling else { return }
            try datapath.enablePolling(switchName: spec.switchName, interface: spec.interface, polling)
            state.owned.polling.insert(spec.key)
            persist()
        case let .disablePolling(spec):
            try datapath.disablePolling(switchName: spec.switchName, interface: spec.interface)
            state.owned.polling.remove(spec.key)
            persist()
        case let .setVnetHeader(spec):
            try datapath.setVnetHeaderLength(switchName: spec.switchName, port: spec.interface, length: spec.vnetHeaderLength ?? 0)
        case let .createTunnel(spec):
            let mtu = try tunnels.create(spec)
            state.owned.tunnels.insert(spec.name)
            persist()
            observedTunnels[spec.name] = tunnels.observe(spec.name)
            logger.info("created tunnel \(spec.name): \(spec.kind.rawValue) VNI \(spec.vni), port \(spec.port), remotes \(spec.remotes.joined(separator: ", ")), MTU \(mtu)", metadata: .port(spec.name))
            hub.publish(EngineEvent(kind: .portCreated, subject: spec.name, detail: "\(spec.kind.rawValue) tunnel created, MTU \(mtu)"))
            let warnings = mtuWarnings(for: spec, mtu: mtu)
            tunnelWarnings[spec.name] = warnings
            for warning in warnings {
                logger.warning("\(warning)", metadata: .port(spec.name))
                hub.publish(EngineEvent(kind: .portError, subject: spec.name, detail: warning))
            }
        case let .deleteTunnel(name):
            try tunnels.delete(name)
            state.owned.tunnels.remove(name)
            state.savedNICs[name] = nil
            nics[name] = nil
            persist()
            logger.info("deleted tunnel \(name)", metadata: .port(name))
            hub.publish(EngineEvent(kind: .portDeleted, subject: name, detail: "tunnel deleted"))
        case let .setTunnelRemotes(spec):
            try tunnels.setRemotes(spec)
            logger.info("tunnel \(spec.name): remotes now \(spec.remotes.joined(separator: ", "))", metadata: .port(spec.name))
        }
    }

    /// Prepares a NIC (saving its settings first), attaches it, then lets it
    /// settle (carrier, promiscuous re-assert).
    private func attachNIC(_ spec: AttachmentSpec) async throws {
        if spec.driver == .native, !state.desired.createsInterface(spec.interface) {
            try await swapDriver(of: spec, driverSwapper)
        }
        let isNIC = state.desired.persistentPorts[spec.interface] == nil && nic.isPreparable(spec.interface)
        let settings = (spec.nic ?? NICSettings()).merged(over: config.nicDefaults)
            .resolvingOffloads(datapathCarriesOffloads: datapath.capabilities.carriesOffloads)
        if isNIC, let bufferSize = datapath.capabilities.bufferSize {
            for warning in nic.warnings(spec.interface, bufferSize: bufferSize) {
                logger.warning("\(spec.key): \(warning)", metadata: .port(spec.key))
                hub.publish(EngineEvent(kind: .portError, subject: spec.key, detail: warning))
            }
        }
        if isNIC { nics[spec.interface] = .preparing }
        if isNIC && state.savedNICs[spec.interface] == nil {
            let saved: SavedNICSettings
            do { saved = try nic.prepare(spec.interface, settings: settings) } catch {
                nics[spec.interface] = nil
                throw error
            }
            state.savedNICs[spec.interface] = saved
            persist()
        }
        do {
            _ = try datapath.attach(spec)
        } catch {
            if isNIC { restoreNIC(spec.interface) }
            throw error
        }
        state.owned.attachments.insert(spec.key)
        if !isNIC, nics[spec.interface] == .missing { nics[spec.interface] = nil }
        persist()
        logger.info("attached \(spec.key)\(spec.hostStack ? " with its host stack" : "")", metadata: .port(spec.key))
        hub.publish(EngineEvent(kind: .portAttached, subject: spec.key, detail: spec.hostStack ? "attached with host stack" : "attached"))
        if isNIC {
            // The carrier wait (10 s by default) runs outside the engine, so
            // the reply comes at once and other requests go on (issue 15
            // item 7: it used to equal valectl's own 10 s timeout).
            nics[spec.interface] = .settling(carrier: nic.carrier(spec.interface))
            let interface = spec.interface, key = spec.key, nic = self.nic
            Task { [weak self] in
                let up = await nic.settle(interface, settings: settings)
                await self?.carrierSettled(interface, key: key, up: up)
            }
        }
    }

    /// The carrier wait after an attach ended.
    func carrierSettled(_ interface: String, key: String, up: Bool) {
        guard state.desired.attachment(ofInterface: interface)?.key == key, state.owned.attachments.contains(key) else { return }
        if case .settling(let carrier) = nics[interface] { nics[interface] = .attached(carrier: carrier) }
        if up {
            carrierChanged(interface, up: true)
        } else {
            logger.warning("\(interface) has no carrier after attach", metadata: .port(key))
        }
    }

    /// Runs the driver swap, then waits (bounded) for the NIC to come back:
    /// unloading the stock driver removes its netdevs, the patched one
    /// registers them again.
    private func swapDriver(of spec: AttachmentSpec, _ swapper: @Sendable (String) async throws -> String?) async throws {
        guard let done = try await swapper(spec.interface) else { return }
        logger.notice("\(spec.interface): \(done)", metadata: .port(spec.key))
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: driverSwapTimeout)
        while !datapath.interfaceExists(spec.interface) {
            guard clock.now < deadline else {
                throw EngineError(.datapathFailed, "\(spec.interface) did not come back within \(driverSwapTimeout) after its driver was swapped (\(done))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Restores what valed changed on a NIC, if anything was saved.
    func restoreNIC(_ interface: String) {
        guard let saved = state.savedNICs[interface] else {
            if nics[interface] == .preparing { nics[interface] = nil }
            return
        }
        nics[interface] = .restoring
        do {
            try nic.restore(interface, saved: saved)
            state.savedNICs[interface] = nil
            nics[interface] = nil
            persist()
        } catch {
            // Keep the saved values: a later detach or teardown retries.
            logger.error("cannot restore the settings of \(interface): \(error)")
        }
    }

    /// Writes the state; a failed write is logged and retried at the next change.
    func persist() {
        do { try store.save(state) } catch {
            logger.critical("cannot save state: \(error)")
        }
    }

    /// A stream of state changes, for `valectl events`.
    public func events() -> AsyncStream<EngineEvent> { hub.subscribe() }

    /// Blocks the engine's executor for good (test-only fault switch behind
    /// `valed --test-wedge-on-sigusr1`): watchdog pings stop, as they would
    /// if the engine were stuck for real.
    package func wedgeForTesting() {
        while true { sleep(3600) }
    }

    /// Ends every event stream (daemon shutdown).
    public func shutdown() { hub.finish() }
}
