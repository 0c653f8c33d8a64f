import CNetmap
import NetmapKit

/// What a REGISTER bound an fd to, so `close` can undo it.
enum VALEKernelBinding: Sendable, Equatable {
    /// An ephemeral VALE port (created or shared) held by `holder`.
    case ephemeral(name: String, holder: String)
    /// A netdev (NIC or persistent interface) opened by its name or its `valeX:` name.
    case netdev(String, holder: String)
    /// A monitor of `target` (4.5). The kernel does not end it when the
    /// monitored port goes away: no POLLERR, no error from rxsync.
    case monitor(target: String)
    /// Something the model does not track further (pipes).
    case untracked
}

extension VALEKernelState {
    /// REGISTER (3.1), as far as it changes switch state: ephemeral ports,
    /// kernel-owned ports (`EBUSY`), the rename trap on the first opener.
    mutating func register(_ name: String, body: UnsafeMutableRawPointer, holder: String, renamed: inout Bool) throws(Errno) -> VALEKernelBinding {
        var reg = body.load(as: nmreq_register.self)
        let mode = reg.nr_mode
        guard [1, 2, 3, 4, 7, 8].contains(mode) else { throw .invalidArgument }
        if reg.nr_mem_id != 0 && !memoryRegions.contains(reg.nr_mem_id) { throw .invalidArgument }
        let monitorFlags = RegisterFlags([.monitorTX, .monitorRX, .zeroCopyMonitor]).rawValue
        var binding = VALEKernelBinding.untracked
        var info: PortInfo

        if mode == RegisterMode.null.rawValue {
            guard reg.nr_mem_id != 0 else { throw .invalidArgument }
            info = Self.ephemeralInfo(memoryRegion: reg.nr_mem_id)
        } else if reg.nr_flags & monitorFlags != 0 {
            // The monitored port must already be in netmap mode (4.5).
            let inNetmapMode: Bool
            if name.hasPrefix("val") {
                inNetmapMode = Self.splitVALE(name).flatMap { switchIndex($0.switchName) }.flatMap { switches[$0]!.slot(named: name) } != nil
            } else {
                inNetmapMode = netdev(name).map { $0.openCount > 0 || isAttachedNIC($0.name) || !attachments(of: $0.name).isEmpty } ?? false
            }
            guard inNetmapMode else { throw .invalidArgument }
            binding = .monitor(target: name)
            info = Self.ephemeralInfo(memoryRegion: (memoryRegions.max() ?? 1) + 1)
        } else if name.contains("{") || name.contains("}") {
            guard mode == 1 || mode == 4 else { throw .invalidArgument }
            let parent = String(name[..<(name.lastIndex(of: "{") ?? name.lastIndex(of: "}")!)])
            if !parent.isEmpty && !parent.hasPrefix("val") && netdev(parent) == nil {
                // 4.5: a parent that is neither a netdev nor a VALE name
                // becomes an auto-delete persistent interface; the model
                // does not list it as a netdev.
                info = Self.ephemeralInfo(memoryRegion: (memoryRegions.max() ?? 1) + 1)
            } else {
                var ignored = false
                info = try describe(name, renamed: &ignored)
            }
            // Slots asked for are honoured when the pipe is created (1...4096).
            if (1...4096).contains(reg.nr_tx_slots) { info.txSlots = reg.nr_tx_slots; info.rxSlots = reg.nr_tx_slots }
        } else if name.hasPrefix("val") {
            guard let (swName, portName) = Self.splitVALE(name) else { throw .outOfMemory }
            if let b = switchIndex(swName), let slot = switches[b]!.slot(named: name) {
                let port = switches[b]!.ports[slot]!
                switch port.kind {
                case .nic, .host: throw .resourceBusy
                case .persistent:
                    if port.wrapped { throw .resourceBusy }
                    let netdevName = port.netdev!
                    if netdev(netdevName)!.openCount == 0 { renamed = renamePersistentAttachment(netdevName) || renamed }
                    addHolder(holder, to: netdevName)
                    binding = .netdev(netdevName, holder: holder)
                    info = self.info(of: netdev(netdevName)!)
                case .ephemeral:
                    switches[b]!.ports[slot]!.holders.append(holder)
                    binding = .ephemeral(name: name, holder: holder)
                    info = Self.ephemeralInfo(memoryRegion: 2)
                }
            } else {
                if netdev(portName) != nil { throw .invalidArgument }
                let bridge = try switchForCreation(swName, needing: 1)
                _ = addPort(Port(name: name, kind: .ephemeral, holders: [holder]), to: bridge)
                binding = .ephemeral(name: name, holder: holder)
                info = Self.ephemeralInfo(memoryRegion: (memoryRegions.max() ?? 1) + 1)
            }
        } else {
            guard let netdev = netdev(name) else { throw .noSuchDeviceOrAddress }
            if isAttachedNIC(name) { throw .resourceBusy }
            if netdev.kind == .persistent && attachments(of: name).contains(where: { $0.port.wrapped }) { throw .resourceBusy }
            if netdev.kind == .persistent && netdev.openCount == 0 { renamed = renamePersistentAttachment(name) || renamed }
            addHolder(holder, to: name)
            binding = .netdev(name, holder: holder)
            info = self.info(of: netdev)
        }
        reg.nr_offset = 0
        reg.nr_memsize = info.memorySize
        reg.nr_tx_slots = info.txSlots
        reg.nr_rx_slots = info.rxSlots
        reg.nr_tx_rings = info.txRings
        reg.nr_rx_rings = info.rxRings
        reg.nr_host_tx_rings = max(info.hostTXRings, 1)
        reg.nr_host_rx_rings = max(info.hostRXRings, 1)
        reg.nr_mem_id = info.memoryRegion
        reg.nr_extra_bufs = 0
        body.storeBytes(of: reg, as: nmreq_register.self)
        return binding
    }

    mutating func addHolder(_ holder: String, to netdev: String) {
        if let i = netdevs.firstIndex(where: { $0.name == netdev }) { netdevs[i].holders.append(holder) }
    }

    /// Undoes a binding when its fd is closed (or its process died).
    mutating func release(_ binding: VALEKernelBinding) {
        switch binding {
        case .untracked, .monitor: break
        case .netdev(let name, let holder):
            if let i = netdevs.firstIndex(where: { $0.name == name }), let h = netdevs[i].holders.firstIndex(of: holder) {
                netdevs[i].holders.remove(at: h)
            }
        case .ephemeral(let name, let holder):
            guard let (swName, _) = Self.splitVALE(name), let b = switchIndex(swName),
                  let slot = switches[b]!.slot(named: name) else { return }
            if let h = switches[b]!.ports[slot]!.holders.firstIndex(of: holder) {
                switches[b]!.ports[slot]!.holders.remove(at: h)
            }
            if switches[b]!.ports[slot]!.holders.isEmpty { removePort(bridge: b, slot: slot) }
        }
    }

    /// Drops holders whose process no longer exists (a killed VM or
    /// application), as the kernel does when their fds close.
    mutating func reapHolders(isAlive: (Int32) -> Bool) {
        func alive(_ holder: String) -> Bool {
            guard let pid = holder.split(separator: ":").first.flatMap({ Int32($0) }) else { return true }
            return isAlive(pid)
        }
        for i in netdevs.indices { netdevs[i].holders.removeAll { !alive($0) } }
        for (b, slot, port) in allPorts where port.kind == .ephemeral {
            let alive = port.holders.filter(alive)
            if alive.count != port.holders.count {
                switches[b]!.ports[slot]!.holders = alive
                if alive.isEmpty { removePort(bridge: b, slot: slot) }
            }
        }
    }
}
