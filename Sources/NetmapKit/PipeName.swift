/// The name of a pipe pair whose parent netmap creates on demand: opening
/// `NAME{id` or `NAME}id` where NAME is neither a netdev nor a VALE name makes
/// the kernel create an auto-delete persistent interface NAME and the pipe
/// on it (NETMAP-API.md 4.5). valed's pipes are such pairs (`NAME{0`/`NAME}0`).
///
/// The rules: NAME becomes a netdev, so 1...15 bytes (`IFNAMSIZ` - 1); only
/// `[A-Za-z0-9_]`, libnetmap's identifier characters, so every portspec
/// parser reads `netmap:NAME{id` the same way (no `-`, `{`, `}`, `%`, 4.1);
/// and not starting with `val`, which the kernel would send down its VALE
/// path instead (3.0.1 step 4).
public enum PipeName {
    /// Checks a pipe name such as `p0`.
    public static func validate(_ name: String) throws(PortNameError) {
        let count = name.utf8.count
        guard count >= 1, count <= VALELimits.maxInterfaceNameLength else {
            throw PortNameError(input: name, reason: "a pipe name has 1 to \(VALELimits.maxInterfaceNameLength) characters")
        }
        guard name.utf8.allSatisfy(VALESwitchName.isIdentifierByte) else {
            throw PortNameError(input: name, reason: "a pipe name has only letters, digits and _")
        }
        if name.hasPrefix("val") {
            throw PortNameError(input: name, reason: "a pipe name must not start with 'val' (netmap would read it as a VALE switch)")
        }
    }

    /// Why `name` cannot be a pipe name (``validate(_:)``), or nil.
    public static func problem(with name: String) -> String? {
        PortNameError.reason { () throws(PortNameError) in try validate(name) }
    }
}
