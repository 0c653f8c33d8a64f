import Yams
import NetAddress

extension ConfigParser {
    /// One entry of the `tunnels:` list (docs/config.md, "Tunnels"):
    ///
    ///     - tunnel: vx0
    ///       switch: vale0
    ///       vni: 42
    ///       remotes: [192.0.2.2, 192.0.2.3]
    ///
    /// Each problem is reported at the value it is about.
    func parseTunnel(_ node: Node, into desired: inout DesiredState, _ reader: inout Reader) {
        guard let map = reader.mapping(node, "a tunnel") else { return }
        reader.allowOnly(map, ["tunnel", "switch", "type", "vni", "remotes", "local", "dev", "port"], in: "a tunnel")
        guard let n = map["tunnel"], let name = reader.string(n, "tunnel") else {
            reader.report(node, "a tunnel needs `tunnel: NAME`"); return
        }
        let what = "tunnel '\(name)'"
        var valid = true
        var kind = TunnelKind.vxlan
        if let v = map["type"] {
            if let k = reader.enumeration(v, TunnelKind.self, "\(what): type") { kind = k } else { valid = false }
        }
        var vni: UInt32 = 0
        if let v = map["vni"] {
            if let x = reader.integer(v, "\(what): vni", 0...Int(TunnelSpec.maxVNI)) { vni = UInt32(x) } else { valid = false }
        } else {
            reader.report(node, "\(what) needs `vni: N` (the same on every host)"); valid = false
        }
        var port: UInt16?
        if let v = map["port"] {
            if let x = reader.integer(v, "\(what): port", 1...65535) { port = UInt16(x) } else { valid = false }
        }
        var remotes: [String] = []
        if let v = map["remotes"] {
            // One address or a list of them.
            let items: [Node] = v.sequence.map(Array.init) ?? [v]
            if items.isEmpty { reader.report(v, "\(what) needs at least one remote"); valid = false }
            for item in items {
                guard let text = reader.string(item, "\(what): remote") else { valid = false; continue }
                if IPAddress(text) == nil {
                    reader.report(item, "\(what): remote '\(text)' is not an IPv4 or IPv6 address"); valid = false
                } else if remotes.contains(where: { IPAddress($0) == IPAddress(text) }) {
                    reader.report(item, "\(what): remote \(text) is given twice"); valid = false
                } else {
                    remotes.append(text)
                }
            }
        } else {
            reader.report(node, "\(what) needs `remotes: [ADDRESS, …]`"); valid = false
        }
        var local: String?
        if let v = map["local"], let text = reader.string(v, "\(what): local") {
            if IPAddress(text) == nil { reader.report(v, "\(what): local address '\(text)' is not an IPv4 or IPv6 address"); valid = false }
            local = text
        }
        var underlay: String?
        if let v = map["dev"], let text = reader.string(v, "\(what): dev") {
            if let reason = DesiredState.interfaceNameProblem(text) { reader.report(v, "\(what): dev '\(text)': \(reason)"); valid = false }
            underlay = text
        }
        guard valid else { return }
        let spec = TunnelSpec(name: name, kind: kind, vni: vni, remotes: remotes, local: local, underlay: underlay, port: port, owner: .config)
        if let problem = spec.problem() { reader.report(n, "\(what): \(problem)"); return }
        if desired.tunnels[name] != nil { reader.report(n, "\(what) is declared twice"); return }
        if desired.persistentPorts[name] != nil { reader.report(n, "\(what): \(name) is also declared as a persistent port"); return }
        desired.tunnels[name] = spec
        if let v = map["switch"], let switchName = reader.string(v, "\(what): switch") {
            if let reason = DesiredState.switchNameProblem(switchName) { reader.report(v, "\(what): switch '\(switchName)': \(reason)"); return }
            addAttachment(AttachmentSpec(switchName: switchName, interface: name, owner: .config), at: v, into: &desired, &reader)
        }
    }
}
