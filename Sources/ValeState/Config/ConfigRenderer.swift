/// Renders a desired state in the configuration file's schema, so
/// `valectl config show > valed.yaml` gives a file `apply` accepts.
package struct ConfigRenderer {
    package init() {}

    package func render(config: ValedConfig, desired: DesiredState) -> String {
        // No header comment: valectl config show prints the one header.
        var out = ["datapath: \(config.datapath.rawValue)"]
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
