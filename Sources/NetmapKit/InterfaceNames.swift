/// Validation of the plain names netmap hands to Linux: netdev names of NICs
/// and persistent VALE interfaces (NETMAP-API.md 3.7, 4.3, 4.6).
public enum InterfaceName {
    /// Checks the Linux netdev rules: 1...15 bytes (`IFNAMSIZ` - 1), not `.`
    /// or `..`, no `/`, `:`, whitespace or control characters, printable
    /// ASCII only. Returns warnings (a `val` prefix).
    ///
    /// Printable ASCII: the kernel's `dev_valid_name` refuses what its
    /// Latin-1 `isspace` calls a space, which includes byte 0xA0, so a UTF-8
    /// name is refused or not depending on its bytes (`à` is C3 A0); systemd
    /// and udev refuse every byte above 0x7E. valed and valectl refuse them too.
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
            case 128...:
                let scalar = name.unicodeScalars.first { !$0.isASCII }.map { "'\($0)'" } ?? "a byte above 0x7F"
                throw PortNameError(input: name, reason: "an interface name cannot contain \(scalar): only printable ASCII characters are allowed")
            default:
                continue
            }
        }
        return name.hasPrefix("val") ? [.interfaceStartsWithVal(name: name)] : []
    }

    /// Checks a name for VALE_NEWIF: the netdev rules and three of netmap's.
    /// * Not starting with `val`. The kernel refuses `vale…` itself (3.7);
    ///   any other `val…` it would create, but netmap reads such a name as a
    ///   VALE switch name (3.0.1 step 4, 4.3), so the interface could never
    ///   be opened by its plain name, which is how persistent interfaces are
    ///   used (3.7, 4.6).
    /// * No `{` or `}`: netmap reads a name containing them as a pipe of
    ///   the part before (3.0.1 step 3, 4.5), never as the interface.
    /// * No `%`: Linux would expand `vi%d` while netmap keeps the literal name (3.7).
    @discardableResult
    public static func validateNewInterface(_ name: String) throws(PortNameError) -> [PortNameWarning] {
        let warnings = try validate(name)
        if name.hasPrefix("val") {
            throw PortNameError(input: name, reason: "a persistent port name cannot start with 'val' (netmap would read it as a switch name)")
        }
        if name.contains("{") || name.contains("}") {
            throw PortNameError(input: name, reason: "a persistent port name cannot contain '{' or '}' (netmap would read it as a pipe)")
        }
        if name.contains("%") {
            throw PortNameError(input: name, reason: "a persistent port name cannot contain '%' (Linux would expand it, netmap would not)")
        }
        return warnings
    }

    /// Why `name` is not a valid netdev name (``validate(_:)``), or nil.
    public static func problem(with name: String) -> String? {
        PortNameError.reason { () throws(PortNameError) in try validate(name) }
    }

    /// Why `name` cannot be a persistent interface (``validateNewInterface(_:)``), or nil.
    public static func newInterfaceProblem(with name: String) -> String? {
        PortNameError.reason { () throws(PortNameError) in try validateNewInterface(name) }
    }
}
