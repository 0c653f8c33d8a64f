import ArgumentParser

/// Local checks of names before anything is sent, so that typos fail fast
/// with exit code 2. The rules are netmap's (NETMAP-API.md section 4.3);
/// valed checks again with the same grammar.
///
/// This is the one place valectl validates names: when NetmapKit's
/// port-name parser lands, these functions call it instead.
enum NameRules {
    /// Longest switch name (`vale` included) and port or netdev name.
    static let maximumLength = 15

    /// Splits `SWITCH:PORT`, checking both parts.
    static func switchAndPort(_ text: String, argument: String = "SWITCH:PORT") throws -> (switchName: String, port: String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("\(argument) must look like vale0:eth0, not \(text)")
        }
        let switchName = String(text[..<colon])
        let port = String(text[text.index(after: colon)...])
        try checkSwitch(switchName)
        try checkPort(port, in: switchName)
        return (switchName, port)
    }

    /// A switch: `vale` plus letters, digits and `_`, 15 characters at most.
    static func checkSwitch(_ name: String) throws {
        guard name.hasPrefix("vale") else {
            throw ValidationError("invalid switch name \(name): switch names start with \"vale\" (vale0, vale_lan)")
        }
        guard name.count <= maximumLength else {
            throw ValidationError("invalid switch name \(name): longer than \(maximumLength) characters")
        }
        guard name.unicodeScalars.allSatisfy(isIdentifierCharacter) else {
            throw ValidationError("invalid switch name \(name): only letters, digits and _ are allowed")
        }
    }

    /// The port part of `SWITCH:PORT`: a netdev name or a port name.
    static func checkPort(_ name: String, in switchName: String) throws {
        guard !name.isEmpty else {
            throw ValidationError("invalid port name \(switchName):: the port part after the colon is empty")
        }
        guard name.count <= maximumLength else {
            throw ValidationError("invalid port name \(switchName):\(name): the port part is longer than \(maximumLength) characters")
        }
        if let bad = name.first(where: { " \t\n/:{}^*@".contains($0) }) {
            throw ValidationError("invalid port name \(switchName):\(name): \"\(bad)\" is not allowed in a port name")
        }
    }

    /// A Linux interface name: 1 to 15 characters, no `/`, `:` or blanks,
    /// not `.` or `..`.
    static func checkInterface(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= maximumLength else {
            throw ValidationError("invalid interface name \"\(name)\": it must have 1 to \(maximumLength) characters")
        }
        guard name != "." && name != "..", !name.contains(where: { " \t\n/:".contains($0) }) else {
            throw ValidationError("invalid interface name \"\(name)\": Linux interface names contain no \"/\", \":\" or blanks")
        }
    }

    /// A persistent port (VALE_NEWIF): an interface name not starting with `vale`.
    static func checkPersistentPort(_ name: String) throws {
        try checkInterface(name)
        guard !name.hasPrefix("vale") else {
            throw ValidationError("invalid port name \(name): names starting with \"vale\" are switch names to netmap")
        }
    }

    /// A port given to `port show`: `SWITCH:PORT` or a persistent port name.
    static func checkPortReference(_ name: String) throws {
        if name.contains(":") {
            _ = try switchAndPort(name, argument: "NAME")
        } else {
            try checkInterface(name)
        }
    }

    /// A pipe name: letters, digits and `_` (netmap's pipe id rule).
    static func checkPipe(_ name: String) throws {
        guard !name.isEmpty, name.count <= maximumLength, name.unicodeScalars.allSatisfy(isIdentifierCharacter) else {
            throw ValidationError("invalid pipe name \"\(name)\": 1 to \(maximumLength) letters, digits or _")
        }
    }

    private static func isIdentifierCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "_"
    }
}
