/// A VALE switch name: `vale` followed by up to 11 characters of `[A-Za-z0-9_]`
/// (NETMAP-API.md 4.3). Names starting with `val` but not `vale` are refused:
/// ATTACH would accept them but VALE_LIST cannot look them up.
public enum VALESwitchName {
    /// Checks a switch name such as `vale0`.
    public static func validate(_ name: String) throws(PortNameError) {
        guard name.hasPrefix(VALELimits.switchPrefix) else {
            if name.hasPrefix("val") {
                throw PortNameError(input: name, reason: "switch names must start with 'vale': the kernel accepts '\(name)' as a switch for attach but VALE_LIST cannot look it up")
            }
            throw PortNameError(input: name, reason: "switch names must start with 'vale' (e.g. vale0)")
        }
        let count = name.utf8.count
        if count > VALELimits.maxSwitchNameLength {
            throw PortNameError(input: name, reason: "the switch name '\(name)' is \(count) characters; at most \(VALELimits.maxSwitchNameLength) are allowed (including 'vale')")
        }
        if let bad = name.utf8.first(where: { !isIdentifierByte($0) }) {
            throw PortNameError(input: name, reason: "the switch name '\(name)' contains '\(Character(Unicode.Scalar(bad)))'; only letters, digits and '_' are allowed")
        }
    }

    /// Why `name` cannot be a switch name (``validate(_:)``), or nil.
    public static func problem(with name: String) -> String? {
        PortNameError.reason { () throws(PortNameError) in try validate(name) }
    }

    /// `[A-Za-z0-9_]`: libnetmap's identifier bytes (NETMAP-API.md 4.1).
    public static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }
}

/// A validated layer-1 VALE port name `valeX:Y` as sent in `nr_name` for
/// ATTACH, DETACH, POLLING and LIST lookups, or as listed by VALE_LIST
/// (with a trailing `^` for a host-stack port).
public struct VALEPortName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The switch, e.g. `vale0`.
    public let switchName: String
    /// The port part without the host `^`, e.g. `eth0`.
    public let port: String
    /// True for the host-stack port `valeX:IF^` of a NIC attached with its host stack.
    public let isHostPort: Bool

    /// Validates `switchName` and `port` (port: 1...15 bytes, no whitespace, `:`, `/` or NUL).
    public init(switch switchName: String, port: String, hostPort: Bool = false) throws(PortNameError) {
        try VALESwitchName.validate(switchName)
        let whole = "\(switchName):\(port)\(hostPort ? "^" : "")"
        let portBytes = port.utf8.count + (hostPort ? 1 : 0)
        if port.isEmpty {
            throw PortNameError(input: whole, reason: "the port part after ':' is empty")
        }
        if portBytes > VALELimits.maxPortNameLength {
            throw PortNameError(input: whole, reason: "the port part '\(port)\(hostPort ? "^" : "")' is \(portBytes) characters; netmap allows at most \(VALELimits.maxPortNameLength)")
        }
        for byte in port.utf8 {
            switch byte {
            case UInt8(ascii: ":"), UInt8(ascii: "/"), 0...32, 127:
                throw PortNameError(input: whole, reason: "the port part '\(port)' contains a character netmap port names cannot use (':', '/', whitespace or control)")
            case UInt8(ascii: "^"):
                throw PortNameError(input: whole, reason: "'^' may only end a host-stack port name")
            default: continue
            }
        }
        self.switchName = switchName
        self.port = port
        self.isHostPort = hostPort
    }

    /// Parses `valeX:Y` or `valeX:Y^`.
    public init(parsing text: String) throws(PortNameError) {
        guard let colon = text.firstIndex(of: ":") else {
            if text.hasPrefix("val") {
                throw PortNameError(input: text, reason: "a VALE port name needs ':' between the switch and the port, as in vale0:eth0")
            }
            throw PortNameError(input: text, reason: "a VALE port name has the form valeX:PORT")
        }
        var port = String(text[text.index(after: colon)...])
        let host = port.hasSuffix("^")
        if host { port.removeLast() }
        do {
            try self.init(switch: String(text[..<colon]), port: port, hostPort: host)
        } catch {
            throw PortNameError(input: text, reason: error.reason)
        }
    }

    /// True when a listed in-switch name is a host-stack port (ends in `^`).
    public static func isHostPort(_ name: String) -> Bool { name.hasSuffix("^") }

    /// `valeX:Y` or `valeX:Y^`: the exact `nr_name`.
    public var description: String { "\(switchName):\(port)\(isHostPort ? "^" : "")" }

    /// The attached port this host port belongs to (`valeX:Y` for `valeX:Y^`).
    public var attachmentName: String { "\(switchName):\(port)" }

    /// Warnings: the whole name exceeds the hypervisors' 15 bytes; the port starts with `val`.
    public var warnings: [PortNameWarning] {
        var result: [PortNameWarning] = []
        let length = description.utf8.count
        if length > VALELimits.hypervisorNameLimit {
            result.append(.longerThanHypervisorBuffer(name: description, length: length))
        }
        return result
    }
}
