import ArgumentParser
import NetmapKit

/// Names on the command line are checked before anything is sent, so that
/// a typo ends valectl with a usage error (exit code 2). The checks are
/// NetmapKit's name grammar (NETMAP-API.md section 4), which valed applies
/// to the same names; this only turns a refusal into a usage error.
enum NameArgument {
    /// `SWITCH:PORT` split into its parts, both checked (`VALEPortName`, no host-stack `^`).
    static func switchAndPort(_ text: String, argument: String = "SWITCH:PORT") throws -> (switchName: String, port: String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("\(argument) must look like vale0:eth0, not \(text)")
        }
        let switchName = String(text[..<colon]), port = String(text[text.index(after: colon)...])
        try check { _ = try VALEPortName(switch: switchName, port: port) }
        return (switchName, port)
    }

    /// Runs one of NetmapKit's checks (`VALESwitchName.validate`,
    /// `InterfaceName.validate`, ...); a refusal becomes the usage error
    /// `invalid <kind> name '<name>': <reason>`.
    static func check(_ kind: String = "port", _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PortNameError {
            throw ValidationError("invalid \(kind) name '\(error.input)': \(error.reason)")
        }
    }
}
