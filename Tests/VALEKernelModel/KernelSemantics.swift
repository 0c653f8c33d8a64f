import CNetmap
import NetmapKit

/// The kernel's VALE rules (NETMAP-API.md sections 3, 4.3, 7.11, 10) applied
/// to ``VALEKernelState``. Each request reads and writes its body as raw
/// bytes, exactly as the real module copies them in and out.
extension VALEKernelState {
    /// Values the model reports for memory regions (section 10 saw 42369024
    /// for a private region of one ring of 1024 slots per direction).
    public static let privateRegionSize: UInt64 = 42_369_024
    public static let globalRegionSize: UInt64 = 343_154_688

    /// The kernel's VALE name split (4.3): switch = text before the first ':'
    /// (which must be within the first 16 characters, `[A-Za-z0-9_]` only),
    /// port = the rest (at most 15 characters). nil = invalid switch part.
    static func splitVALE(_ name: String) -> (switchName: String, port: String)? {
        let bytes = Array(name.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon < VALELimits.maxSwitchNameLength + 1 else { return nil }
        let sw = bytes[..<colon]
        let isIdent: (UInt8) -> Bool = { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
        }
        guard sw.allSatisfy(isIdent), bytes.count - colon <= VALELimits.maxPortNameLength + 1 else { return nil }
        return (String(decoding: sw, as: UTF8.self), String(decoding: bytes[(colon + 1)...], as: UTF8.self))
    }

    /// Linux's `dev_valid_name`.
    static func validNetdevName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        if bytes.isEmpty || bytes.count >= 16 || name == "." || name == ".." { return false }
        return !bytes.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 32 || $0 == 127 }
    }

    func isAttachedNIC(_ netdev: String) -> Bool {
        allPorts.contains { $0.port.kind == .nic && $0.port.netdev == netdev }
    }

    func attachments(of netdev: String) -> [(bridge: Int, slot: Int, port: Port)] {
        allPorts.filter { $0.port.kind == .persistent && $0.port.netdev == netdev }
    }

    func freeSwitchSlot() -> Int? { switches.firstIndex { $0 == nil } }

    /// Finds or (when allowed) creates room for a switch; ENOMEM when none is free.
    mutating func switchForCreation(_ name: String, needing ports: Int) throws(Errno) -> Int {
        if let index = switchIndex(name) {
            if switches[index]!.activePorts + ports > VALELimits.usablePorts { throw .outOfMemory }
            return index
        }
        guard let free = freeSwitchSlot() else { throw .outOfMemory }
        switches[free] = Switch(name: name)
        return free
    }

    mutating func addPort(_ port: Port, to bridge: Int) -> Int {
        let slot = switches[bridge]!.ports.firstIndex { $0 == nil }!
        switches[bridge]!.ports[slot] = port
        return slot
    }

    mutating func removePort(bridge: Int, slot: Int) {
        switches[bridge]!.ports[slot] = nil
        if switches[bridge]!.activePorts == 0 { switches[bridge] = nil }
    }

    /// The rename trap (7.11): the persistent interface's first attachment
    /// takes its plain netdev name inside the switch.
    mutating func renamePersistentAttachment(_ netdev: String) -> Bool {
        guard let first = attachments(of: netdev).first(where: { !$0.port.wrapped }),
              first.port.name != netdev else { return false }
        switches[first.bridge]!.ports[first.slot]!.name = netdev
        return true
    }

    // MARK: VALE_ATTACH (3.3)

    mutating func attach(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) -> UInt32 {
        let request = body.load(as: nmreq_vale_attach.self)
        let mode = request.reg.nr_mode
        if request.reg.nr_mem_id != 0 && !memoryRegions.contains(request.reg.nr_mem_id) { throw .invalidArgument }
        guard name.hasPrefix("val") else { throw .invalidArgument }
        guard let (swName, portName) = Self.splitVALE(name) else { throw .outOfMemory }
        if let b = switchIndex(swName), switches[b]!.slot(named: name) != nil { throw .resourceBusy }
        if switchIndex(swName) == nil && freeSwitchSlot() == nil { throw .outOfMemory }
        if let b = switchIndex(swName), switches[b]!.activePorts >= VALELimits.usablePorts { throw .outOfMemory }
        guard let netdev = netdev(portName) else { throw .invalidArgument }
        var placed: Int
        switch netdev.kind {
        case .nic:
            if isAttachedNIC(portName) || netdev.openCount > 0 { throw .resourceBusy }
            guard mode == RegisterMode.allNIC.rawValue || mode == RegisterMode.nicAndHost.rawValue,
                  request.reg.nr_ringid == 0 else { throw .invalidArgument }
            let host = mode == RegisterMode.nicAndHost.rawValue
            let bridge = try switchForCreation(swName, needing: host ? 2 : 1)
            placed = addPort(Port(name: name, kind: .nic, netdev: portName), to: bridge)
            if host { _ = addPort(Port(name: name + "^", kind: .host, netdev: portName), to: bridge) }
        case .persistent:
            if netdev.openCount > 0 { throw .resourceBusy }
            let existing = attachments(of: portName)
            if existing.contains(where: { switches[$0.bridge]!.name == swName }) { throw .resourceBusy }
            // A persistent interface has no host rings: only mode 1 makes sense [inferred].
            guard mode == RegisterMode.allNIC.rawValue, request.reg.nr_ringid == 0 else { throw .invalidArgument }
            let bridge = try switchForCreation(swName, needing: 1)
            if !existing.isEmpty { _ = renamePersistentAttachment(portName) }
            placed = addPort(Port(name: name, kind: .persistent, netdev: portName, wrapped: !existing.isEmpty), to: bridge)
        }
        body.storeBytes(of: UInt32(placed), toByteOffset: MemoryLayout<nmreq_vale_attach>.offset(of: \.port_index)!, as: UInt32.self)
        return mode
    }

    // MARK: VALE_DETACH (3.4)

    mutating func detach(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) {
        guard name.hasPrefix("val") else { throw .invalidArgument }
        guard let (swName, _) = Self.splitVALE(name), let bridge = switchIndex(swName),
              let slot = switches[bridge]!.slot(named: name) else { throw .noSuchDeviceOrAddress }
        let port = switches[bridge]!.ports[slot]!
        if port.polling != nil { throw .resourceBusy }
        switch port.kind {
        case .ephemeral, .host: throw .resourceBusy
        case .persistent:
            if !port.wrapped && attachments(of: port.netdev!).contains(where: { $0.port.wrapped }) { throw .resourceBusy }
        case .nic: break
        }
        if port.kind == .nic, let host = switches[bridge]!.slot(named: name + "^") {
            switches[bridge]!.ports[host] = nil
        }
        removePort(bridge: bridge, slot: slot)
        body.storeBytes(of: UInt32(slot), as: UInt32.self)
    }

    // MARK: VALE_LIST (3.5)

    func list(_ name: String, body: UnsafeMutableRawPointer, header: UnsafeMutablePointer<nmreq_header>) throws(Errno) {
        let request = body.load(as: nmreq_vale_list.self)
        let portOffset = MemoryLayout<nmreq_vale_list>.offset(of: \.nr_port_idx)!
        if !name.isEmpty {
            guard name.hasPrefix("vale") else { throw .invalidArgument }
            guard let (swName, _) = Self.splitVALE(name), let bridge = switchIndex(swName) else { throw .noSuchFileOrDirectory }
            body.storeBytes(of: UInt16(bridge), as: UInt16.self)
            body.storeBytes(of: UInt32(switches[bridge]!.slot(named: name) ?? Int(Netmap.noPortIndex)), toByteOffset: portOffset, as: UInt32.self)
            return
        }
        var bridge = Int(request.nr_bridge_idx)
        var slot = Int(request.nr_port_idx)
        while bridge < switches.count {
            if let sw = switches[bridge] {
                while slot < VALELimits.portSlots {
                    if let port = sw.ports[slot] {
                        NetmapEncoding.storeName(port.name, into: header)
                        body.storeBytes(of: UInt16(bridge), as: UInt16.self)
                        body.storeBytes(of: UInt32(slot), toByteOffset: portOffset, as: UInt32.self)
                        return
                    }
                    slot += 1
                }
            }
            bridge += 1
            slot = 0
        }
        throw .noSuchFileOrDirectory
    }

    // MARK: VALE_NEWIF (3.7) / VALE_DELIF (3.8)

    mutating func newInterface(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) {
        var config = body.load(as: nmreq_vale_newif.self)
        guard !name.hasPrefix("vale"), Self.validNetdevName(name) else { throw .invalidArgument }
        if config.nr_mem_id != 0 && !memoryRegions.contains(config.nr_mem_id) { throw .invalidArgument }
        if netdev(name) != nil { throw .fileExists }
        func clampSlots(_ v: UInt32) -> UInt32 { v == 0 ? UInt32(1024) : min(max(v, 1), 4096) }
        func clampRings(_ v: UInt16) -> UInt16 { v == 0 ? UInt16(1) : min(max(v, 1), 16) }
        config.nr_tx_slots = clampSlots(config.nr_tx_slots)
        config.nr_rx_slots = clampSlots(config.nr_rx_slots)
        config.nr_tx_rings = clampRings(config.nr_tx_rings)
        config.nr_rx_rings = clampRings(config.nr_rx_rings)
        if config.nr_mem_id == 0 {
            config.nr_mem_id = (memoryRegions.max() ?? 1) + 1
            memoryRegions.append(config.nr_mem_id)
        }
        netdevs.append(Netdev(name: name, kind: .persistent, txRings: config.nr_tx_rings, rxRings: config.nr_rx_rings,
                              txSlots: config.nr_tx_slots, rxSlots: config.nr_rx_slots, memoryRegion: config.nr_mem_id))
        body.storeBytes(of: config, as: nmreq_vale_newif.self)
    }

    mutating func deleteInterface(_ name: String) throws(Errno) {
        guard let index = netdevs.firstIndex(where: { $0.name == name }) else { throw .noSuchDeviceOrAddress }
        let netdev = netdevs[index]
        guard netdev.kind == .persistent else { throw .invalidArgument }
        if !attachments(of: name).isEmpty || netdev.openCount > 0 { throw .resourceBusy }
        netdevs.remove(at: index)
        if !netdevs.contains(where: { $0.memoryRegion == netdev.memoryRegion }) && netdev.memoryRegion != 1 {
            memoryRegions.removeAll { $0 == netdev.memoryRegion }
        }
    }

    // MARK: PORT_INFO_GET (3.2) / POOLS_INFO_GET (3.10)

    /// Resolves a name with creation allowed (3.0.1) and returns what the port
    /// looks like; applies the rename trap. `renamed` reports a state change.
    mutating func describe(_ name: String, renamed: inout Bool) throws(Errno) -> PortInfo {
        if let bracket = name.lastIndex(of: "{") ?? name.lastIndex(of: "}") {
            let parent = String(name[..<bracket])
            guard !parent.isEmpty, name.index(after: bracket) != name.endIndex else { throw .invalidArgument }
            return try describe(parent, renamed: &renamed)
        }
        if name.hasPrefix("val") {
            guard let (swName, portName) = Self.splitVALE(name) else { throw .outOfMemory }
            if let b = switchIndex(swName), let slot = switches[b]!.slot(named: name) {
                let port = switches[b]!.ports[slot]!
                if let netdevName = port.netdev, let netdev = netdev(netdevName) {
                    if port.kind == .persistent { renamed = renamePersistentAttachment(netdevName) || renamed }
                    return info(of: netdev)
                }
                return Self.ephemeralInfo(memoryRegion: (memoryRegions.max() ?? 1) + 1)
            }
            if netdev(portName) != nil { throw .invalidArgument }
            if switchIndex(swName) == nil && freeSwitchSlot() == nil { throw .outOfMemory }
            if let b = switchIndex(swName), switches[b]!.activePorts >= VALELimits.usablePorts { throw .outOfMemory }
            return Self.ephemeralInfo(memoryRegion: (memoryRegions.max() ?? 1) + 1)
        }
        guard let netdev = netdev(name) else { throw .noSuchDeviceOrAddress }
        if netdev.kind == .persistent { renamed = renamePersistentAttachment(name) || renamed }
        return info(of: netdev)
    }

    func info(of netdev: Netdev) -> PortInfo {
        PortInfo(memorySize: netdev.memoryRegion == 1 ? Self.globalRegionSize : Self.privateRegionSize,
                 txSlots: netdev.txSlots, rxSlots: netdev.rxSlots, txRings: netdev.txRings, rxRings: netdev.rxRings,
                 hostTXRings: netdev.kind == .nic ? 1 : 0, hostRXRings: netdev.kind == .nic ? 1 : 0,
                 memoryRegion: netdev.memoryRegion)
    }

    static func ephemeralInfo(memoryRegion: UInt16) -> PortInfo {
        PortInfo(memorySize: privateRegionSize, txSlots: 1024, rxSlots: 1024, txRings: 1, rxRings: 1, memoryRegion: memoryRegion)
    }

    mutating func portInfo(_ name: String, body: UnsafeMutableRawPointer, renamed: inout Bool) throws(Errno) {
        var out = body.load(as: nmreq_port_info_get.self)
        if name.isEmpty {
            let id = out.nr_mem_id == 0 ? 1 : out.nr_mem_id
            guard memoryRegions.contains(id) else { throw .invalidArgument }
            out.nr_memsize = id == 1 ? Self.globalRegionSize : Self.privateRegionSize
            out.nr_mem_id = id
        } else {
            let info = try describe(name, renamed: &renamed)
            out.nr_memsize = info.memorySize
            out.nr_tx_slots = info.txSlots
            out.nr_rx_slots = info.rxSlots
            out.nr_tx_rings = info.txRings
            out.nr_rx_rings = info.rxRings
            out.nr_host_tx_rings = info.hostTXRings
            out.nr_host_rx_rings = info.hostRXRings
            out.nr_mem_id = info.memoryRegion
        }
        body.storeBytes(of: out, as: nmreq_port_info_get.self)
    }

    mutating func poolsInfo(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) {
        var ignored = false
        let info = try describe(name, renamed: &ignored)
        var out = nmreq_pools_info()
        out.nr_memsize = info.memorySize
        out.nr_mem_id = info.memoryRegion
        out.nr_if_pool_offset = 0
        out.nr_if_pool_objtotal = 100
        out.nr_if_pool_objsize = 1024
        out.nr_ring_pool_offset = 102_400
        out.nr_ring_pool_objtotal = 200
        out.nr_ring_pool_objsize = 36_864
        out.nr_buf_pool_offset = 102_400 + 200 * 36_864
        out.nr_buf_pool_objsize = 2048
        out.nr_buf_pool_objtotal = UInt32((info.memorySize - out.nr_buf_pool_offset) / 2048)
        body.storeBytes(of: out, as: nmreq_pools_info.self)
    }

    // MARK: PORT_HDR_SET / GET (3.6)

    mutating func setHeaderLength(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) {
        guard name.hasPrefix("val"), let (swName, _) = Self.splitVALE(name), let b = switchIndex(swName),
              let slot = switches[b]!.slot(named: name) else { throw .noSuchDeviceOrAddress }
        let length = body.load(as: UInt32.self)
        guard [0, 10, 12].contains(length) else { throw .invalidArgument }
        switches[b]!.ports[slot]!.headerLength = length
    }

    func getHeaderLength(_ name: String, body: UnsafeMutableRawPointer) throws(Errno) {
        if let bracket = name.lastIndex(of: "{") ?? name.lastIndex(of: "}") {
            _ = bracket
            throw .noSuchDevice
        }
        var length: UInt32
        if name.hasPrefix("val") {
            guard let (swName, _) = Self.splitVALE(name), let b = switchIndex(swName),
                  let slot = switches[b]!.slot(named: name) else { throw .noSuchDeviceOrAddress }
            length = switches[b]!.ports[slot]!.headerLength
        } else {
            guard netdev(name) != nil else { throw .noSuchDeviceOrAddress }
            length = allPorts.first { $0.port.netdev == name && $0.port.kind != .host }?.port.headerLength ?? 0
        }
        body.storeBytes(of: length, as: UInt32.self)
    }

    // MARK: VALE_POLLING_ENABLE / DISABLE (3.9)

    mutating func polling(_ name: String, enable: Bool, body: UnsafeMutableRawPointer) throws(Errno) -> UInt32 {
        let request = body.load(as: nmreq_vale_polling.self)
        guard name.hasPrefix("val") else { throw .invalidArgument }
        guard let (swName, portName) = Self.splitVALE(name), let b = switchIndex(swName),
              let slot = switches[b]!.slot(named: name) else { throw .noSuchDeviceOrAddress }
        let port = switches[b]!.ports[slot]!
        guard port.kind == .nic, let netdev = netdev(portName) else { throw .notSupported }
        if !enable {
            guard port.polling != nil else { throw .badAddress }
            switches[b]!.ports[slot]!.polling = nil
            return request.nr_mode
        }
        let mode = request.nr_mode, first = request.nr_first_cpu_id, count = request.nr_num_polling_cpus
        guard mode == 1 || mode == 2 else { throw .invalidArgument }
        guard count >= 1, Int(count) < cpuCount else { throw .invalidArgument }
        if mode == 1 && count != 1 { throw .invalidArgument }
        if mode == 2 && Int(first) + Int(count) > Int(netdev.rxRings) { throw .invalidArgument }
        if port.polling != nil { throw .badAddress }
        switches[b]!.ports[slot]!.polling = [mode, first, count]
        return mode
    }
}
