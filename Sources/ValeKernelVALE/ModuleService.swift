import Foundation
import ValeDatapath
import ValeModules
import ValeState

/// `valectl module …` and the module part of `valectl status`, over the
/// module supervisor (libkmod, /sys/module).
public final class ModuleService: ModuleProviding {
    let supervisor: ModuleSupervisor?
    /// Why there is no supervisor (libkmod could not open the module directory).
    let unavailableReason: String?
    let config: ModuleConfig

    public init(config: ModuleConfig, supervisor: ModuleSupervisor? = nil) {
        self.config = config
        if let supervisor {
            self.supervisor = supervisor
            unavailableReason = nil
        } else {
            do {
                self.supervisor = ModuleSupervisor(catalog: try ModuleCatalog())
                unavailableReason = nil
            } catch {
                self.supervisor = nil
                unavailableReason = "cannot read the kernel's module directory: \(error)"
            }
        }
    }

    public func info() -> ModuleStatus {
        guard let supervisor else {
            return ModuleStatus(name: config.name, state: .unsupported, reason: unavailableReason ?? "no module supervisor")
        }
        let status = supervisor.netmapStatus()
        let state: ModuleStatus.State
        var holders: [String] = []
        switch status.presence {
        case .absent: state = status.support.canLoadModules ? .absent : .unsupported
        case .builtIn: state = .builtin
        case .loaded(_, _, let h): state = .loaded; holders = h
        }
        let parameters = ((try? supervisor.parameters(of: config.name)) ?? []).map {
            ModuleStatus.Parameter(name: $0.name, value: $0.value, writable: $0.isWritable)
        }
        return ModuleStatus(name: config.name, state: state, reason: status.summary,
                          apiVersion: status.kernelDatapathAvailable ? 14 : nil, parameters: parameters, usedBy: holders)
    }

    /// Loads netmap when absent (modprobe semantics), then writes the
    /// configured run-time parameters.
    public func load() async throws -> ModuleChange {
        try await onOwnThread(Self.threadName) { try self.loadBlocking() }
    }

    /// The name of the thread module loads, unloads and driver swaps run on.
    static let threadName = "valed-module"

    private func loadBlocking() throws -> ModuleChange {
        let supervisor = try requireSupervisor()
        let status = supervisor.netmapStatus()
        if status.presence.isUsable {
            let changed = try applyParameters(supervisor)
            return ModuleChange(module: info(), changed: changed, message: "\(config.name) is already loaded" + (changed ? "; parameters updated" : ""))
        }
        guard status.support.canLoadModules else {
            throw DatapathError(.notSupported(feature: "module"), "cannot load \(config.name): \(status.support.sentence)")
        }
        let options = config.options.sorted { $0.key < $1.key }.map { ModuleOption($0.key, $0.value) }
        let steps: [ModuleLoadStep]
        do { steps = try supervisor.load(config.name, options: options) } catch {
            throw DatapathError(.systemError(object: config.name), "cannot load \(config.name): \(error)")
        }
        _ = try applyParameters(supervisor)
        return ModuleChange(module: info(), changed: true, message: steps.map(\.description).joined(separator: "; "))
    }

    public func unload(force: Bool, attachedPorts: [String]) async throws -> ModuleChange {
        try await onOwnThread(Self.threadName) { try self.unloadBlocking(force: force, attachedPorts: attachedPorts) }
    }

    private func unloadBlocking(force: Bool, attachedPorts: [String]) throws -> ModuleChange {
        let supervisor = try requireSupervisor()
        if case .absent = supervisor.netmapStatus().presence {
            return ModuleChange(module: info(), changed: false, message: "\(config.name) is not loaded")
        }
        if !attachedPorts.isEmpty && !force {
            throw DatapathError(.busy(name: config.name), "cannot unload \(config.name): ports exist (\(attachedPorts.joined(separator: ", "))); detach them, or use --force (valectl module reload keeps them)")
        }
        do { try supervisor.unload(config.name) } catch {
            throw DatapathError(.systemError(object: config.name), "cannot unload \(config.name): \(error)")
        }
        return ModuleChange(module: info(), changed: true, message: "unloaded \(config.name)")
    }

    /// One line for `valectl status` and logs.
    public var summary: String {
        guard let supervisor else { return unavailableReason ?? "unknown" }
        return supervisor.netmapStatus().summary
    }

    /// Writes the configured run-time parameters when netmap is already
    /// loaded (a load applies them itself). Returns what it did, or nil.
    public func applyConfiguredParametersIfLoaded() throws -> String? {
        guard let supervisor, !config.parameters.isEmpty, supervisor.netmapStatus().presence.isUsable else { return nil }
        return try applyParameters(supervisor) ? "set \(config.name) parameters " + config.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") : nil
    }

    /// True when netmap can be loaded here and is not loaded yet.
    public var shouldLoadAtStart: Bool {
        guard config.load, let supervisor else { return false }
        let status = supervisor.netmapStatus()
        return !status.presence.isUsable && status.support.canLoadModules
    }

    private func applyParameters(_ supervisor: ModuleSupervisor) throws -> Bool {
        var changed = false
        let current = Dictionary(((try? supervisor.parameters(of: config.name)) ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, value) in config.parameters.sorted(by: { $0.key < $1.key }) {
            guard current[name]?.value != value else { continue }
            do { try supervisor.setParameter(name, to: value, of: config.name) } catch {
                throw DatapathError(.systemError(object: "\(config.name).\(name)"), "cannot set \(config.name) parameter \(name)=\(value): \(error)")
            }
            changed = true
        }
        return changed
    }

    private func requireSupervisor() throws -> ModuleSupervisor {
        guard let supervisor else {
            throw DatapathError(.notSupported(feature: "module"), unavailableReason ?? "module management is unavailable")
        }
        return supervisor
    }
}
