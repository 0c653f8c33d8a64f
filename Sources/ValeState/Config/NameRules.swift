/// Name and size limits of netmap's VALE (NETMAP-API.md 2.3.9 and 4.3),
/// applied to the configuration before anything reaches the kernel.
package enum NameRules {
    package static let defaultMaxSwitches = 8
    package static let usablePortsPerSwitch = 252
    package static let maxSlots = 4096
    package static let maxRings = 16

    /// Why `name` cannot be a VALE switch name, or nil.
    package static func switchNameProblem(_ name: String) -> String? {
        // The kernel treats any name starting with "val" as VALE but VALE_LIST
        // and vale-ctl compare four characters: only "vale…" works everywhere.
        guard name.hasPrefix("vale") else { return "a switch name must start with 'vale' (e.g. vale0)" }
        guard name.utf8.count <= 15 else { return "a switch name has at most 15 characters including 'vale' (\(name.utf8.count) given)" }
        guard name.unicodeScalars.allSatisfy({ $0.isASCIIWordCharacter }) else { return "a switch name may contain only letters, digits and '_'" }
        return nil
    }

    /// Why `name` cannot be a Linux interface name, or nil.
    package static func interfaceNameProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "an interface name cannot be empty" }
        guard name.utf8.count <= 15 else { return "an interface name has at most 15 characters (\(name.utf8.count) given)" }
        guard name != ".", name != ".." else { return "'\(name)' is not a valid interface name" }
        if let bad = name.unicodeScalars.first(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x21 || $0.value > 0x7e }) {
            return "an interface name cannot contain '\(bad.escaped(asASCII: true))'"
        }
        // A netdev named "val…" cannot be opened by its plain name through
        // netmap, but it can be attached as valeX:valY, which is all valed does.
        return nil
    }

    /// Why `name` cannot be a persistent port (VALE_NEWIF / TAP), or nil.
    package static func persistentPortNameProblem(_ name: String) -> String? {
        if let problem = interfaceNameProblem(name) { return problem }
        if name.hasPrefix("val") { return "a persistent port name cannot start with 'val' (netmap would read it as a switch name)" }
        if name.contains("%") { return "a persistent port name cannot contain '%' (Linux would expand it, netmap would not)" }
        if name.contains("{") || name.contains("}") { return "'{' and '}' are netmap pipe separators" }
        return nil
    }

    /// QEMU and bhyve copy `valeX:port` into 16-byte buffers.
    package static func longNameWarning(switchName: String, port: String) -> String? {
        let total = switchName.utf8.count + 1 + port.utf8.count
        return total > 15 ? "\(switchName):\(port) is \(total) bytes; QEMU and bhyve truncate VALE port names longer than 15" : nil
    }
}

extension Unicode.Scalar {
    var isASCIIWordCharacter: Bool {
        (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5a) || (value >= 0x61 && value <= 0x7a) || value == 0x5f
    }
}
