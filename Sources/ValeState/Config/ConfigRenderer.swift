/// Renders a desired state and the file's settings in the configuration
/// file's schema, so `valectl config show > valed.yaml` gives a file `apply`
/// accepts and that parses to the same configuration. Settings are written
/// only where they differ from the defaults.
package struct ConfigRenderer {
    package init() {}

    package func render(config: ValedConfig, desired: DesiredState) -> String {
        // No header comment: valectl config show prints the one header.
        var out = ["datapath: \(config.datapath.rawValue)"]
        out += moduleLines(config.module)
        let nic = nicFields(config.nicDefaults, comparedWith: .defaults)
        if !nic.isEmpty { out.append("nic: { \(nic.joined(separator: ", ")) }") }
        out += userspaceLines(config.userspace)
        out += metricsLines(config.metrics)
        let unattached = desired.persistentPorts.values.filter { p in desired.attachment(ofInterface: p.name) == nil }
        if !unattached.isEmpty {
            out.append("ports:")
            for p in unattached.sorted(by: { $0.name < $1.name }) { out += portLines(p, attachment: nil, indent: "  ") }
        }
        // A tunnel's attachment is its `switch:`; a switch holding only tunnels is not listed.
        let switchNames = desired.switchNames.filter { name in
            desired.attachments.values.contains { $0.switchName == name && desired.tunnels[$0.interface] == nil }
        }
        if !switchNames.isEmpty {
            out.append("switches:")
            for name in switchNames {
                out.append("  \(name):")
                out.append("    ports:")
                for a in desired.attachments.values.filter({ $0.switchName == name && desired.tunnels[$0.interface] == nil }).sorted(by: { $0.interface < $1.interface }) {
                    if let p = desired.persistentPorts[a.interface] {
                        out += portLines(p, attachment: a, indent: "      ")
                    } else {
                        out.append("      - nic: \(a.interface)   # \(a.owner.rawValue)")
                        if a.hostStack { out.append("        host-stack: true") }
                        if a.driver != .auto { out.append("        driver: \(a.driver.rawValue)") }
                        if let p = a.polling { out.append("        polling: { cpu: \(p.firstCPU), cpus: \(p.cpus) }") }
                        if let v = a.vnetHeaderLength { out.append("        vnet-header: \(v)") }
                        let settings = a.nic.map { nicFields($0, comparedWith: NICSettings()) } ?? []
                        if !settings.isEmpty { out.append("        settings: { \(settings.joined(separator: ", ")) }") }
                    }
                }
            }
        }
        if !desired.tunnels.isEmpty {
            out.append("tunnels:")
            for t in desired.tunnels.values.sorted(by: { $0.name < $1.name }) {
                out.append("  - tunnel: \(t.name)   # \(t.owner.rawValue)")
                if let a = desired.attachment(ofInterface: t.name) { out.append("    switch: \(a.switchName)") }
                if t.kind != .vxlan { out.append("    type: \(t.kind.rawValue)") }
                out.append("    vni: \(t.vni)")
                out.append("    remotes: [\(t.remotes.joined(separator: ", "))]")
                if let l = t.local { out.append("    local: \(l)") }
                if let d = t.underlay { out.append("    dev: \(d)") }
                if t.port != t.kind.defaultPort { out.append("    port: \(t.port)") }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func moduleLines(_ m: ModuleConfig) -> [String] {
        let d = ModuleConfig()
        var lines: [String] = []
        if m.load != d.load { lines.append("  load: \(m.load)") }
        if m.name != d.name { lines.append("  name: \(quoted(m.name))") }
        if !m.options.isEmpty { lines.append("  options: \(flowMapping(m.options))") }
        if !m.parameters.isEmpty { lines.append("  parameters: \(flowMapping(m.parameters))") }
        if let dir = m.nativeDriverDirectory { lines.append("  native-drivers: \(quoted(dir))") }
        return lines.isEmpty ? [] : ["module:"] + lines
    }

    private func userspaceLines(_ u: UserspaceConfig) -> [String] {
        let d = UserspaceConfig()
        var lines: [String] = []
        if u.macTableSize != d.macTableSize { lines.append("  mac-table-size: \(u.macTableSize)") }
        if u.macAgingSeconds != d.macAgingSeconds { lines.append("  mac-aging: \(u.macAgingSeconds)") }
        if u.ringMiB != d.ringMiB { lines.append("  ring-mib: \(u.ringMiB)") }
        return lines.isEmpty ? [] : ["userspace:"] + lines
    }

    private func metricsLines(_ m: MetricsConfig) -> [String] {
        var lines: [String] = []
        if let address = m.address { lines.append("  address: \(quoted(address))") }
        if m.allowRemote { lines.append("  allow-remote: true") }
        return lines.isEmpty ? [] : ["metrics:"] + lines
    }

    /// The NIC settings that differ from `base`, as `key: value` items of a
    /// flow mapping (`nic:` against the defaults, a port's `settings:`
    /// against nothing set).
    private func nicFields(_ s: NICSettings, comparedWith base: NICSettings) -> [String] {
        var fields: [String] = []
        if let v = s.promiscuous, v != base.promiscuous { fields.append("promiscuous: \(v)") }
        if let v = s.offloads, v != base.offloads { fields.append("offloads: \(v)") }
        if let v = s.vlanStripping, v != base.vlanStripping { fields.append("vlan-stripping: \(v)") }
        if let v = s.pauseFrames, v != base.pauseFrames { fields.append("pause-frames: \(v)") }
        if let v = s.carrierTimeout, v != base.carrierTimeout {
            fields.append("carrier-timeout: \(v == v.rounded() ? String(Int(v)) : String(v))")
        }
        if let features = s.features, features != base.features {
            let items = features.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            fields.append("features: { \(items.joined(separator: ", ")) }")
        }
        return fields
    }

    private func flowMapping(_ values: [String: String]) -> String {
        "{ " + values.sorted { $0.key < $1.key }.map { "\($0.key): \(quoted($0.value))" }.joined(separator: ", ") + " }"
    }

    /// A YAML double-quoted scalar: always read back as the same string.
    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private func portLines(_ p: PersistentPortSpec, attachment: AttachmentSpec?, indent: String) -> [String] {
        var lines = ["\(indent)- port: \(p.name)   # \(p.owner.rawValue)"]
        let g = p.geometry
        if g.txSlots != 0 { lines.append("\(indent)  tx-slots: \(g.txSlots)") }
        if g.rxSlots != 0 { lines.append("\(indent)  rx-slots: \(g.rxSlots)") }
        if g.txRings != 0 { lines.append("\(indent)  tx-rings: \(g.txRings)") }
        if g.rxRings != 0 { lines.append("\(indent)  rx-rings: \(g.rxRings)") }
        if let u = p.user { lines.append("\(indent)  user: \(u)") }
        if let gr = p.group { lines.append("\(indent)  group: \(gr)") }
        if let v = attachment?.vnetHeaderLength { lines.append("\(indent)  vnet-header: \(v)") }
        return lines
    }
}
