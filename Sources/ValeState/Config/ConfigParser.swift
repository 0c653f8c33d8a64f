#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetmapKit
import Yams

/// Parses and validates valed.yaml. Every problem is reported with
/// file:line:column; a file with any problem yields no configuration.
public struct ConfigParser {
    public var fileName: String
    /// Switches per network namespace the kernel allows (netmap `max_bridges`).
    public var onlineCPUs: Int

    public init(fileName: String, onlineCPUs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.fileName = fileName
        self.onlineCPUs = onlineCPUs
    }

    /// Reads and parses `path`. A missing file is an empty configuration:
    /// valed then runs with what valectl creates.
    /// Any readable file works: a regular file, a character device
    /// (`/dev/null` is an empty configuration) or a FIFO (`--config <(…)`).
    public static func load(path: String) throws -> ValedConfig {
        guard FileManager.default.fileExists(atPath: path) else { return ValedConfig() }
        let text: String
        do { text = try readText(path) } catch let reason as ReadFailure {
            throw ConfigError(issues: [ConfigIssue(file: path, line: 1, column: 1, reason: "cannot read the file: \(reason.text)")])
        }
        return try ConfigParser(fileName: path).parse(text)
    }

    /// True when `path` is a FIFO (`--config <(…)`): it can be read once, so
    /// a reload would read an empty pipe or wait for a writer forever.
    public static func isPipe(path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
    }

    /// Largest configuration read: a guard against `--config /dev/zero`.
    static let maxConfigBytes = 16 << 20

    private struct ReadFailure: Error { let text: String }

    /// Reads the whole file with open/read until end of file. Foundation's
    /// String(contentsOfFile:) stats the size first and reports a character
    /// device or a FIFO as "You don't have permission" (issue 12).
    private static func readText(_ path: String) throws -> String {
        func failure(_ call: String, _ e: Errno) -> ReadFailure {
            ReadFailure(text: "\(call): \(e.explanation)")
        }
        let fd: Int32
        switch valueOrErrno({ Glibc.open(path, O_RDONLY | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(let e): throw failure("open", e)
        }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = chunk.withUnsafeMutableBytes { buffer in valueOrErrno { Glibc.read(fd, buffer.baseAddress, buffer.count) } }
            let n: Int
            switch read {
            case .success(let count): n = count
            case .failure(let e): throw failure("read", e)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > maxConfigBytes {
                throw ReadFailure(text: "it is larger than \(maxConfigBytes >> 20) MiB")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadFailure(text: "it is not UTF-8 text")
        }
        return text
    }

    public func parse(_ text: String) throws -> ValedConfig {
        var reader = Reader(file: fileName)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw ConfigError(issues: [reader.issue(for: error)])
        }
        var config = ValedConfig()
        guard let root else { return config }   // an empty file is a valid, empty config
        guard let top = reader.mapping(root, "the configuration") else { throw ConfigError(issues: reader.issues) }
        reader.allowOnly(top, ["datapath", "module", "nic", "userspace", "metrics", "switches", "ports", "tunnels"], in: "the top level")
        if let node = top["datapath"] {
            if let value = reader.enumeration(node, DatapathChoice.self, "datapath") { config.datapath = value }
        }
        if let node = top["module"] { config.module = parseModule(node, &reader) }
        if let node = top["nic"] { config.nicDefaults = parseNICSettings(node, &reader, context: "nic").merged(over: .defaults) }
        if let node = top["userspace"] { config.userspace = parseUserspace(node, &reader) }
        if let node = top["metrics"] { config.metrics = parseMetrics(node, &reader) }
        if let node = top["ports"], let items = reader.sequence(node, "ports") {
            for item in items { parsePersistentPort(item, switchName: nil, into: &config.desired, &reader) }
        }
        if let node = top["switches"], let switches = reader.mapping(node, "switches") {
            for (keyNode, value) in switches {
                guard let name = reader.string(keyNode, "switch name") else { continue }
                if let reason = DesiredState.switchNameProblem(name) { reader.report(keyNode, "switch '\(name)': \(reason)") }
                parseSwitch(name: name, value, into: &config.desired, &reader)
            }
            let maxBridges = Int(config.module.options["max_bridges"] ?? "") ?? DesiredState.defaultMaxSwitches
            if config.desired.switchNames.count > maxBridges {
                reader.report(node, "\(config.desired.switchNames.count) switches configured but netmap allows \(maxBridges) per network namespace (raise module option max_bridges)")
            }
        }
        if let node = top["tunnels"], let items = reader.sequence(node, "tunnels") {
            for item in items { parseTunnel(item, into: &config.desired, &reader) }
        }
        if !reader.issues.isEmpty { throw ConfigError(issues: reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) }) }
        return config
    }

    private func parseModule(_ node: Node, _ reader: inout Reader) -> ModuleConfig {
        var module = ModuleConfig()
        guard let map = reader.mapping(node, "module") else { return module }
        reader.allowOnly(map, ["load", "name", "options", "parameters", "native-drivers"], in: "module")
        if let n = map["load"], let v = reader.bool(n, "module.load") { module.load = v }
        if let n = map["name"], let v = reader.string(n, "module.name") {
            if v.isEmpty || v.contains("/") { reader.report(n, "module.name '\(v)' is not a module name") } else { module.name = v }
        }
        for (key, target) in [("options", \ModuleConfig.options), ("parameters", \ModuleConfig.parameters)] {
            guard let n = map[key], let m = reader.mapping(n, "module.\(key)") else { continue }
            for (k, v) in m {
                guard let name = reader.string(k, "parameter name"), let value = reader.string(v, "module.\(key).\(name)") else { continue }
                if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    reader.report(k, "module.\(key): '\(name)' is not a parameter name"); continue
                }
                module[keyPath: target][name] = value
            }
        }
        if let n = map["native-drivers"], let v = reader.string(n, "module.native-drivers") {
            if !v.hasPrefix("/") { reader.report(n, "module.native-drivers must be an absolute path, not '\(v)'") } else { module.nativeDriverDirectory = v }
        }
        return module
    }

    private func parseUserspace(_ node: Node, _ reader: inout Reader) -> UserspaceConfig {
        var result = UserspaceConfig()
        guard let map = reader.mapping(node, "userspace") else { return result }
        reader.allowOnly(map, ["mac-table-size", "mac-aging", "ring-mib"], in: "userspace")
        if let n = map["mac-table-size"], let v = reader.integer(n, "userspace.mac-table-size", 16...1_048_576) { result.macTableSize = v }
        if let n = map["mac-aging"], let v = reader.integer(n, "userspace.mac-aging", 1...86_400) { result.macAgingSeconds = v }
        if let n = map["ring-mib"], let v = reader.integer(n, "userspace.ring-mib", 1...256) { result.ringMiB = v }
        return result
    }

    private func parseMetrics(_ node: Node, _ reader: inout Reader) -> MetricsConfig {
        var result = MetricsConfig()
        guard let map = reader.mapping(node, "metrics") else { return result }
        reader.allowOnly(map, ["address", "allow-remote"], in: "metrics")
        if let n = map["address"], let v = reader.string(n, "metrics.address") {
            do { _ = try MetricsAddress(parsing: v) } catch { reader.report(n, "metrics.address: \(error)") }
            result.address = v
        }
        if let n = map["allow-remote"], let v = reader.bool(n, "metrics.allow-remote") { result.allowRemote = v }
        return result
    }

    func parseNICSettings(_ node: Node, _ reader: inout Reader, context: String) -> NICSettings {
        var s = NICSettings()
        guard let map = reader.mapping(node, context) else { return s }
        reader.allowOnly(map, ["promiscuous", "offloads", "vlan-stripping", "pause-frames", "carrier-timeout", "features"], in: context)
        if let n = map["promiscuous"] { s.promiscuous = reader.bool(n, "\(context).promiscuous") }
        if let n = map["offloads"] { s.offloads = reader.bool(n, "\(context).offloads") }
        if let n = map["vlan-stripping"] { s.vlanStripping = reader.bool(n, "\(context).vlan-stripping") }
        if let n = map["pause-frames"] { s.pauseFrames = reader.bool(n, "\(context).pause-frames") }
        if let n = map["carrier-timeout"] {
            if let v = reader.number(n, "\(context).carrier-timeout") {
                if v < 0 || v > 300 { reader.report(n, "\(context).carrier-timeout must be between 0 and 300 seconds, not \(v)") } else { s.carrierTimeout = v }
            }
        }
        if let n = map["features"], let m = reader.mapping(n, "\(context).features") {
            var features: [String: Bool] = [:]
            for (k, v) in m {
                guard let name = reader.string(k, "feature name"), let on = reader.bool(v, "\(context).features.\(name)") else { continue }
                if !name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) || name.isEmpty {
                    reader.report(k, "'\(name)' is not an ethtool feature name (see `ethtool -k`)"); continue
                }
                features[name] = on
            }
            s.features = features
        }
        return s
    }

    private func parseSwitch(name: String, _ node: Node, into desired: inout DesiredState, _ reader: inout Reader) {
        if case .scalar = node, node.null != nil { reader.report(node, "switch '\(name)' has no ports"); return }
        guard let map = reader.mapping(node, "switch '\(name)'") else { return }
        reader.allowOnly(map, ["ports"], in: "switch '\(name)'")
        guard let portsNode = map["ports"], let ports = reader.sequence(portsNode, "\(name).ports") else {
            reader.report(node, "switch '\(name)' has no ports (a VALE switch exists only while it has ports)"); return
        }
        let before = desired.attachments.values.filter { $0.switchName == name }.count
        for item in ports {
            guard let map = reader.mapping(item, "a port of \(name)") else { continue }
            if map["nic"] != nil { parseNIC(map, item, switchName: name, into: &desired, &reader) }
            else if map["port"] != nil { parsePersistentPort(item, switchName: name, into: &desired, &reader) }
            else { reader.report(item, "a port of \(name) needs `nic: IFNAME` or `port: NAME`") }
        }
        let count = desired.attachments.values.filter { $0.switchName == name }.count - before
        let slots = desired.attachments.values.filter { $0.switchName == name }.reduce(0) { $0 + ($1.hostStack ? 2 : 1) }
        if slots > DesiredState.usablePortsPerSwitch {
            reader.report(portsNode, "switch '\(name)' would need \(slots) port slots (\(count) ports, host-stack ports count twice); a VALE switch holds \(DesiredState.usablePortsPerSwitch)")
        }
    }

    private func parseNIC(_ map: Node.Mapping, _ node: Node, switchName: String, into desired: inout DesiredState, _ reader: inout Reader) {
        reader.allowOnly(map, ["nic", "host-stack", "driver", "polling", "vnet-header", "settings"], in: "nic port of \(switchName)")
        guard let n = map["nic"], let ifname = reader.string(n, "nic") else { return }
        if let reason = DesiredState.interfaceNameProblem(ifname) { reader.report(n, "nic '\(ifname)': \(reason)"); return }
        var spec = AttachmentSpec(switchName: switchName, interface: ifname, owner: .config)
        if let v = map["host-stack"] { spec.hostStack = reader.bool(v, "host-stack") ?? false }
        if let v = map["driver"], let d = reader.enumeration(v, DriverChoice.self, "driver") { spec.driver = d }
        if let v = map["polling"] { spec.polling = parsePolling(v, &reader) }
        if let v = map["vnet-header"] { spec.vnetHeaderLength = parseVnetHeader(v, &reader) }
        if let v = map["settings"] { spec.nic = parseNICSettings(v, &reader, context: "settings of \(ifname)") }
        addAttachment(spec, at: n, into: &desired, &reader)
    }

    private func parsePersistentPort(_ node: Node, switchName: String?, into desired: inout DesiredState, _ reader: inout Reader) {
        let where_ = switchName.map { "port of \($0)" } ?? "persistent port"
        guard let map = reader.mapping(node, where_) else { return }
        reader.allowOnly(map, ["port", "tx-slots", "rx-slots", "tx-rings", "rx-rings", "user", "group", "vnet-header"], in: where_)
        guard let n = map["port"], let name = reader.string(n, "port") else {
            reader.report(node, "a persistent port needs `port: NAME`"); return
        }
        if let reason = DesiredState.persistentPortNameProblem(name) { reader.report(n, "port '\(name)': \(reason)"); return }
        var geometry = PortGeometry()
        if let v = map["tx-slots"], let x = reader.integer(v, "tx-slots", 1...DesiredState.maxSlots) { geometry.txSlots = UInt32(x) }
        if let v = map["rx-slots"], let x = reader.integer(v, "rx-slots", 1...DesiredState.maxSlots) { geometry.rxSlots = UInt32(x) }
        if let v = map["tx-rings"], let x = reader.integer(v, "tx-rings", 1...DesiredState.maxRings) { geometry.txRings = UInt16(x) }
        if let v = map["rx-rings"], let x = reader.integer(v, "rx-rings", 1...DesiredState.maxRings) { geometry.rxRings = UInt16(x) }
        var port = PersistentPortSpec(name: name, geometry: geometry, owner: .config)
        if let v = map["user"] { port.user = reader.string(v, "user") }
        if let v = map["group"] { port.group = reader.string(v, "group") }
        if desired.persistentPorts[name] != nil {
            reader.report(n, "port '\(name)' is declared twice")
        } else {
            desired.persistentPorts[name] = port
        }
        guard let switchName else {
            if map["vnet-header"] != nil { reader.report(map["vnet-header"]!, "vnet-header needs the port to be on a switch") }
            return
        }
        var spec = AttachmentSpec(switchName: switchName, interface: name, owner: .config)
        if let v = map["vnet-header"] { spec.vnetHeaderLength = parseVnetHeader(v, &reader) }
        addAttachment(spec, at: n, into: &desired, &reader)
    }

    func addAttachment(_ spec: AttachmentSpec, at node: Node, into desired: inout DesiredState, _ reader: inout Reader) {
        if let other = desired.attachment(ofInterface: spec.interface) {
            let why = other.switchName == spec.switchName ? "is listed twice on \(spec.switchName)"
                : "is already attached to \(other.switchName) (an interface can be on one switch)"
            reader.report(node, "\(spec.interface) \(why)")
            return
        }
        if let warning = DesiredState.longNameWarning(switchName: spec.switchName, port: spec.interface) {
            reader.warnings.append("\(reader.file):\(node.mark?.line ?? 0):\(node.mark?.column ?? 0): \(warning)")
        }
        desired.attachments[spec.key] = spec
    }

    private func parsePolling(_ node: Node, _ reader: inout Reader) -> PollingSpec? {
        guard let map = reader.mapping(node, "polling") else { return nil }
        reader.allowOnly(map, ["cpu", "cpus"], in: "polling")
        guard let c = map["cpu"], let cpu = reader.integer(c, "polling.cpu", 0...4095) else {
            reader.report(node, "polling needs `cpu: N` (the first CPU that polls)"); return nil
        }
        var cpus = 1
        if let n = map["cpus"], let v = reader.integer(n, "polling.cpus", 1...4096) { cpus = v }
        // netmap does not check that the CPU exists (NETMAP-API.md 3.9), and never
        // allows all CPUs to poll: 1 <= cpus < number of CPUs.
        if cpu + cpus > onlineCPUs { reader.report(c, "polling on CPUs \(cpu)…\(cpu + cpus - 1) but this host has CPUs 0…\(onlineCPUs - 1)") }
        else if cpus >= onlineCPUs { reader.report(c, "polling may use at most \(onlineCPUs - 1) of this host's \(onlineCPUs) CPUs") }
        return PollingSpec(firstCPU: UInt32(cpu), cpus: UInt32(cpus))
    }

    private func parseVnetHeader(_ node: Node, _ reader: inout Reader) -> UInt32? {
        guard let v = reader.integer(node, "vnet-header", 0...12) else { return nil }
        guard [0, 10, 12].contains(v) else { reader.report(node, "vnet-header must be 0, 10 or 12, not \(v)"); return nil }
        return UInt32(v)
    }
}
