/// Why a port name was refused, as a sentence (NETMAP-API.md section 4).
public struct PortNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that was refused.
    public let input: String
    /// The reason, e.g. `the switch name 'vale_this_is_long' is 17 characters; at most 15 are allowed (including 'vale')`.
    public let reason: String

    /// Creates an error.
    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    /// The sentence for users.
    public var description: String { "invalid port name '\(input)': \(reason)" }

    /// The reason `check` refuses a name, or nil when it accepts it: for
    /// callers that report problems as sentences of their own
    /// (`switch 'bridge0': switch names must start with 'vale' (e.g. vale0)`).
    public static func reason(_ check: () throws(PortNameError) -> Void) -> String? {
        do {
            try check()
            return nil
        } catch {
            return error.reason
        }
    }
}

/// Something legal but likely to bite later.
public enum PortNameWarning: Sendable, Hashable, CustomStringConvertible {
    /// The whole `valeX:Y` name is longer than 15 bytes: QEMU and bhyve copy
    /// it into 16-byte buffers and would truncate it.
    case longerThanHypervisorBuffer(name: String, length: Int)
    /// A netdev name starting with `val`: the kernel treats such names as VALE
    /// names, so the interface cannot be opened or queried by its plain name
    /// (it can still be attached as `valeX:name`).
    case interfaceStartsWithVal(name: String)

    /// The warning as a sentence.
    public var description: String {
        switch self {
        case .longerThanHypervisorBuffer(let name, let length):
            "\(name) is \(length) bytes long; QEMU and bhyve copy VALE port names into 16-byte buffers and would cut it to 15 bytes"
        case .interfaceStartsWithVal(let name):
            "interface \(name) starts with 'val': netmap treats such names as VALE switch names, so it cannot be opened by its plain name (attaching it as valeX:\(name) still works)"
        }
    }
}
