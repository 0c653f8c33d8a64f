import ArgumentParser
import NetmapKit

/// Local checks of names before anything is sent, so that typos fail fast
/// with exit code 2. They use NetmapKit's port-name grammar
/// (NETMAP-API.md section 4), the same code valed uses.
enum NameRules {
    /// Splits `SWITCH:PORT`, checking both parts (VALEPortName).
    static func switchAndPort(_ text: String, argument: String = "SWITCH:PORT") throws -> (switchName: String, port: String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("\(argument) must look like vale0:eth0, not \(text)")
        }
        let name = try check { () throws(PortNameError) in
            try VALEPortName(switch: String(text[..<colon]), port: String(text[text.index(after: colon)...]))
        }
        return (name.switchName, name.port)
    }

    /// A switch: `vale` plus letters, digits and `_`, 15 characters at most.
    static func checkSwitch(_ name: String) throws {
        try check { () throws(PortNameError) in try VALESwitchName.validate(name) }
    }

    /// A Linux interface name.
    static func checkInterface(_ name: String) throws {
        try check { () throws(PortNameError) in _ = try InterfaceName.validate(name) }
    }

    /// A persistent port (VALE_NEWIF): an interface name not starting with `vale`.
    static func checkPersistentPort(_ name: String) throws {
        try check { () throws(PortNameError) in _ = try InterfaceName.validateNewInterface(name) }
    }

    /// A port given to `port show`: `SWITCH:PORT` or a persistent port name.
    static func checkPortReference(_ name: String) throws {
        if name.contains(":") {
            _ = try switchAndPort(name, argument: "NAME")
        } else {
            try checkInterface(name)
        }
    }

    /// A pipe name: letters, digits and `_` (libnetmap's pipe id rule).
    static func checkPipe(_ name: String) throws {
        let valid = !name.isEmpty && name.utf8.count <= 15 && name.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_"
        }
        guard valid else { throw ValidationError("invalid pipe name '\(name)': use 1 to 15 letters, digits or '_'") }
    }

    /// Runs a NetmapKit check, turning its error into a usage error.
    private static func check<T>(_ body: () throws(PortNameError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
