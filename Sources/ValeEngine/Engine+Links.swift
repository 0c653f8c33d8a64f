import Foundation
import ValeDatapath
import ValeState

/// Reactions to link events from the netlink monitor (ValeLink).
extension Engine {
    /// A netdev disappeared. If valed attached it, netmap keeps a reference
    /// that blocks the unregistration (NETMAP-API.md 7.8): detach promptly.
    /// The port stays desired and shows `missing` until the NIC returns.
    public func interfaceRemoved(_ name: String) async {
        await locked("removal of \(name)", orElse: { _ in }) { await self.interfaceRemovedLocked(name) }
    }

    private func interfaceRemovedLocked(_ name: String) async {
        if state.desired.tunnels[name] != nil {
            // valed deleted and made it again itself (a changed VNI): the event is stale.
            if datapath.interfaceExists(name) { return }
            // Someone deleted valed's tunnel: make it again, like a crashed TAP port.
            if state.desired.attachment(ofInterface: name) != nil { await detachVanished(name) }
            logger.warning("tunnel \(name) was deleted by someone else; creating it again", metadata: .port(name))
            await reconcileLocked(stopOnFailure: false)
            return
        }
        await detachVanished(name)
    }

    /// Forgets the attachment of a netdev that is gone.
    private func detachVanished(_ name: String) async {
        guard let a = state.desired.attachment(ofInterface: name) else { return }
        hub.publish(EngineEvent(kind: .nicRemoved, subject: a.key, detail: "\(name) disappeared; the port is missing until it returns"))
        logger.warning("\(name) was removed", metadata: .port(a.key))
        nics[name] = .missing
        if state.owned.attachments.contains(a.key) {
            if state.owned.polling.contains(a.key) {
                try? datapath.disablePolling(switchName: a.switchName, interface: name)
                state.owned.polling.remove(a.key)
            }
            do {
                try datapath.detach(switchName: a.switchName, interface: name)
            } catch {
                logger.error("cannot detach \(a.key) after its NIC vanished: \(error)")
            }
            state.owned.attachments.remove(a.key)
        }
        // Its settings went with the netdev; a new one with the same name
        // starts from the driver's defaults, which is what restore would give.
        state.savedNICs[name] = nil
        persist()
        refreshObserved()
    }

    /// A netdev appeared (or came back with the same name): prepare and
    /// attach it again if it is desired.
    public func interfaceAdded(_ name: String) async {
        // Ports valed just created itself (TAP, VALE_NEWIF) are no news.
        guard let a = state.desired.attachment(ofInterface: name), !state.owned.attachments.contains(a.key) else { return }
        hub.publish(EngineEvent(kind: .nicReturned, subject: name, detail: "\(name) appeared; attaching"))
        await reconcile()
    }

    /// Someone cleared promiscuous mode on an attached NIC: turn it back on.
    public func promiscuousCleared(_ name: String, reassert: @Sendable (String) throws -> Bool) {
        guard let a = state.desired.attachment(ofInterface: name), state.owned.attachments.contains(a.key),
              state.savedNICs[name] != nil else { return }
        let wanted = (a.nic ?? NICSettings()).merged(over: config.nicDefaults).promiscuous ?? true
        guard wanted else { return }
        do {
            guard try reassert(name) else { return }
            logger.notice("promiscuous mode of \(name) was turned off by someone else; turned it back on", metadata: .port(a.key))
            hub.publish(EngineEvent(kind: .promiscuousReasserted, subject: a.key, detail: "promiscuous mode re-asserted"))
        } catch {
            logger.error("cannot re-assert promiscuous mode on \(name): \(error)")
        }
    }

    /// Carrier of an attached NIC changed.
    public func carrierChanged(_ name: String, up: Bool) {
        guard let a = state.desired.attachment(ofInterface: name) else { return }
        guard nics[name]?.carrier != up else { return }
        if let changed = nics[name]?.with(carrier: up) {
            nics[name] = changed
        } else if nics[name] == nil, state.owned.attachments.contains(a.key) {
            nics[name] = .attached(carrier: up)
        }
        hub.publish(EngineEvent(kind: .carrier, subject: a.key, detail: up ? "carrier up" : "carrier down"))
    }
}
