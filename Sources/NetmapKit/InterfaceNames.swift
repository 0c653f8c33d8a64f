/// Validation of the plain names netmap hands to Linux: netdev names of NICs
/// and persistent VALE interfaces (NETMAP-API.md 3.7, 4.3, 4.6).
public enum InterfaceName {
    /// Checks the Linux netdev rules: 1...15 bytes, not `.` or `..`, no `/`,
    /// `:`, whitespace or control characters. Returns warnings (a `val` prefix).
    @discardableResult
    public static func validate(_ name: String) throws(PortNameError) -> [PortNameWarning] {
        let bytes = Array(name.utf8)
        if bytes.isEmpty {
            throw PortNameError(input: name, reason: "an interface name cannot be empty")
        }
        if bytes.count > VALELimits.maxInterfaceNameLength {
            throw PortNameError(input: name, reason: "the interface name is \(bytes.count) bytes long; Linux allows at most \(VALELimits.maxInterfaceNameLength)")
        }
        if name == "." || name == ".." {
            throw PortNameError(input: name, reason: "'\(name)' is not a valid interface name")
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "/"):
                throw PortNameError(input: name, reason: "an interface name cannot contain '/'")
            case UInt8(ascii: ":"):
                throw PortNameError(input: name, reason: "an interface name cannot contain ':'")
            case 0...32, 127:
                throw PortNameError(input: name, reason: "an interface name cannot contain whitespace or control characters")
            default:
                continue
            }
        }
        return name.hasPrefix("val") ? [.interfaceStartsWithVal(name: name)] : []
    }

    /// Checks a name for VALE_NEWIF: the netdev rules, not starting with `vale`
    /// (the kernel refuses it), and no `%` (Linux would expand `vi%d` while
    /// netmap keeps the literal name).
    @discardableResult
    public static func validateNewInterface(_ name: String) throws(PortNameError) -> [PortNameWarning] {
        let warnings = try validate(name)
        if name.hasPrefix(VALELimits.switchPrefix) {
            throw PortNameError(input: name, reason: "a persistent interface name cannot start with 'vale' (netmap would take it for a switch)")
        }
        if name.contains("%") {
            throw PortNameError(input: name, reason: "a persistent interface name cannot contain '%' (Linux would expand it, netmap would not)")
        }
        return warnings
    }
}
