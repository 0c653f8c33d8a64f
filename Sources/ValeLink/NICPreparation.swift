#if canImport(Glibc)
import Glibc
#endif

extension LinkManager {
    /// Prepares `interface` for a VALE switch under `policy`.
    ///
    /// Reads the current flags, features and (when the policy names them)
    /// pause settings first and records the previous value of exactly what it
    /// is about to change; then applies features, pause, promiscuous mode and
    /// admin state, in that order. Fixed features and unsupported pause
    /// settings become `warnings` in the result, not failures. If a change
    /// fails, what was already changed is put back before the error is thrown.
    public func prepare(_ interface: String, policy: NICPolicy = .default) throws(LinkError) -> SavedNICState {
        let link = try self.link(named: interface)
        var saved = SavedNICState(interface: interface, ifindex: link.ifindex)

        // Plan: what changes, and what it was.
        var featureChanges: [String: Bool] = [:]
        let targets = policy.featureTargets
        if !targets.isEmpty {
            do {
                let table = try session.features(of: interface)
                for (name, target) in targets.sorted(by: { $0.key < $1.key }) {
                    guard let state = table[name] else { continue }   // unknown to this kernel
                    if state.fixed {
                        if state.active != target {
                            saved.warnings.append("\(interface): feature \(name) is fixed \(state.active ? "on" : "off") by the driver")
                        }
                        continue
                    }
                    if state.wanted != target {
                        saved.features[name] = state.wanted
                        featureChanges[name] = target
                    }
                }
            } catch where error.errno == .notSupported {
                saved.warnings.append("\(interface): the driver has no offload features to change")
            } catch {
                throw LinkError.from(error, interface: interface, action: "read offload features")
            }
        }
        var pauseTarget: PauseSettings?
        if let wanted = policy.pauseFrames.target {
            do {
                let current = try session.pause(of: interface)
                let target = wanted ? PauseSettings(autoneg: current.autoneg, rx: true, tx: true) : .off
                if target != current {
                    saved.pause = current
                    pauseTarget = target
                }
            } catch where error.errno == .notSupported {
                saved.warnings.append("\(interface): pause frame settings are not supported by the driver")
            } catch {
                throw LinkError.from(error, interface: interface, action: "read pause frame settings")
            }
        }
        if let wanted = policy.promiscuous.target, link.isPromiscuous != wanted {
            saved.wasPromiscuous = link.isPromiscuous
        }
        if let wanted = policy.up.target, link.isUp != wanted {
            saved.wasUp = link.isUp
        }

        // Apply, undoing on failure.
        var applied = SavedNICState(interface: interface, ifindex: link.ifindex, preparedAt: saved.preparedAt)
        do {
            if !featureChanges.isEmpty {
                try session.setFeatures(of: interface, featureChanges)
                applied.features = saved.features
            }
            if let pauseTarget {
                try session.setPause(of: interface, pauseTarget)
                applied.pause = saved.pause
            }
            if let was = saved.wasPromiscuous {
                try session.changeFlags(index: link.ifindex, set: was ? 0 : LinkFlag.promiscuous,
                                        clear: was ? LinkFlag.promiscuous : 0)
                applied.wasPromiscuous = was
            }
            if let was = saved.wasUp {
                try session.changeFlags(index: link.ifindex, set: was ? 0 : LinkFlag.up, clear: was ? LinkFlag.up : 0)
                applied.wasUp = was
            }
        } catch {
            try? restore(interface, from: applied)
            let cause = LinkError.from(error, interface: interface, action: "prepare it for netmap")
            throw LinkError(cause.code, interface: interface, errno: cause.errno,
                            message: cause.message + (applied.isEmpty ? "" : "; the settings already changed were put back"))
        }

        // Dependencies can hold a feature where we did not ask (a driver that
        // ties LRO to GRO, for instance): say so.
        if !featureChanges.isEmpty, let after = try? session.features(of: interface) {
            for (name, target) in featureChanges.sorted(by: { $0.key < $1.key })
            where after[name].map({ $0.active != target }) ?? false {
                saved.warnings.append("\(interface): feature \(name) stays \(target ? "off" : "on") although \(target ? "on" : "off") was asked for")
            }
        }
        return saved
    }

    /// Puts back exactly what `saved` recorded, each item only when it still
    /// differs, so a second restore does nothing. Tries every item; if some
    /// fail the error lists them (`LinkError.Code.restoreIncomplete`).
    /// Works from a `SavedNICState` decoded after a daemon restart, and on
    /// an interface re-created under the same name.
    public func restore(_ interface: String, from saved: SavedNICState) throws(LinkError) {
        guard !saved.isEmpty else { return }
        let link = try self.link(named: interface)
        var failures: [String] = []

        if !saved.features.isEmpty {
            do {
                let table = try session.features(of: interface)
                let changes = saved.features.filter { name, value in
                    guard let state = table[name] else { return false }
                    return !state.fixed && state.wanted != value
                }
                if !changes.isEmpty { try session.setFeatures(of: interface, changes) }
            } catch {
                failures.append("features \(saved.features.keys.sorted().joined(separator: ", ")): \(error.reason)\(error.detail)")
            }
        }
        if let pause = saved.pause {
            do {
                if try session.pause(of: interface) != pause { try session.setPause(of: interface, pause) }
            } catch {
                failures.append("pause frames: \(error.reason)\(error.detail)")
            }
        }
        if let was = saved.wasPromiscuous, link.isPromiscuous != was {
            do {
                try session.changeFlags(index: link.ifindex, set: was ? LinkFlag.promiscuous : 0,
                                        clear: was ? 0 : LinkFlag.promiscuous)
            } catch {
                failures.append("promiscuous mode: \(error.reason)\(error.detail)")
            }
        }
        if let was = saved.wasUp, link.isUp != was {
            do {
                try session.changeFlags(index: link.ifindex, set: was ? LinkFlag.up : 0, clear: was ? 0 : LinkFlag.up)
            } catch {
                failures.append("admin state: \(error.reason)\(error.detail)")
            }
        }
        if !failures.isEmpty {
            throw LinkError(.restoreIncomplete, interface: interface,
                            message: "\(interface): could not restore \(failures.joined(separator: "; "))")
        }
    }
}
