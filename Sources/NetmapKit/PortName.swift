/// A libnetmap "portspec" (NETMAP-API.md 4.1), parsed and validated:
/// `netmap:IF` or `valeX:PORT`, an optional pipe end `{id` / `}id`, a ring
/// selector (`^`, `^N`, `*`, `-N`), flags after `/` (`x z t r R T`), a memory
/// region `@N` and `@key=value` options.
///
/// ``kernelName`` is what goes into `nr_name`; ``registerMode``,
/// ``ringID``, ``registerFlags`` and ``memoryRegion`` go into the REGISTER body.
public struct PortName: Sendable, Hashable, CustomStringConvertible {
    /// What the name designates before pipe and mode suffixes.
    public enum Target: Sendable, Hashable {
        /// `netmap:IF`: a Linux netdev (NIC, veth, persistent VALE interface, ...).
        case interface(String)
        /// `valeX:PORT`: a port of a VALE switch.
        case vale(switchName: String, port: String)
    }

    /// A netmap pipe end on the target (4.5).
    public enum PipeEnd: Sendable, Hashable {
        /// `{id`: the master end.
        case master(id: String)
        /// `}id`: the slave end.
        case slave(id: String)
    }

    /// Which rings to bind (the mode table of 4.1).
    public enum RingSelection: Sendable, Hashable {
        /// *(nothing)*: `NR_REG_ALL_NIC`.
        case allHardware
        /// `^`: `NR_REG_SW`, all host rings.
        case allHost
        /// `^N`: `NR_REG_ONE_SW`, host ring pair N.
        case oneHost(UInt16)
        /// `*`: `NR_REG_NIC_SW`, hardware and host rings.
        case hardwareAndHost
        /// `-N`: `NR_REG_ONE_NIC`, hardware ring pair N (0 ≤ N < 4095).
        case oneHardware(UInt16)
    }

    /// An `@key...` option (4.1 options table), keys with `-` read as `_`.
    public struct Option: Sendable, Hashable {
        /// `share`, `conf`, `extmem` or `offset`.
        public var name: String
        /// The option's keys and values; a bare `key=value` sets the option's default key.
        public var values: [String: String]

        /// Creates an option.
        public init(name: String, values: [String: String]) {
            self.name = name
            self.values = values
        }
    }

    /// The text that was parsed.
    public let text: String
    /// The netdev or VALE port.
    public let target: Target
    /// The pipe end, if any.
    public let pipe: PipeEnd?
    /// The ring selector.
    public let rings: RingSelection
    /// Flags from `/...` (exclusive, monitors, ring direction).
    public let registerFlags: RegisterFlags
    /// `@N`, if given.
    public let memoryRegion: UInt16?
    /// `@share=...`, `@conf:...`, `@extmem:...`, `@offset:...`.
    public let options: [Option]
    /// Legal but risky aspects of the name.
    public let warnings: [PortNameWarning]

    /// The `nr_name` the kernel receives: `netmap:` dropped, `valeX:` kept, pipe suffix kept.
    public var kernelName: String {
        var base: String
        switch target {
        case .interface(let name): base = name
        case .vale(let sw, let port): base = "\(sw):\(port)"
        }
        switch pipe {
        case .master(let id)?: base += "{\(id)"
        case .slave(let id)?: base += "}\(id)"
        case nil: break
        }
        return base
    }

    /// `nr_mode` for REGISTER.
    public var registerMode: RegisterMode {
        switch rings {
        case .allHardware: .allNIC
        case .allHost: .hostRings
        case .oneHost: .oneHost
        case .hardwareAndHost: .nicAndHost
        case .oneHardware: .oneNIC
        }
    }

    /// `nr_ringid` for REGISTER.
    public var ringID: UInt16 {
        switch rings {
        case .oneHost(let n), .oneHardware(let n): n
        default: 0
        }
    }

    /// True when the name opens a monitor (`/t`, `/r` or `/z`).
    public var isMonitor: Bool {
        !registerFlags.intersection([.monitorTX, .monitorRX, .zeroCopyMonitor]).isEmpty
    }

    /// The text as given.
    public var description: String { text }

    /// Parses and validates `text`; the error's reason says what is wrong.
    public static func parse(_ text: String) throws(PortNameError) -> PortName {
        var parser = PortNameParser(text: text)
        return try parser.parse()
    }

    init(text: String, target: Target, pipe: PipeEnd?, rings: RingSelection, registerFlags: RegisterFlags,
         memoryRegion: UInt16?, options: [Option], warnings: [PortNameWarning]) {
        self.text = text
        self.target = target
        self.pipe = pipe
        self.rings = rings
        self.registerFlags = registerFlags
        self.memoryRegion = memoryRegion
        self.options = options
        self.warnings = warnings
    }
}

/// The state machine behind ``PortName/parse(_:)``.
struct PortNameParser {
    let text: String
    let bytes: [UInt8]
    var index = 0

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    func fail(_ reason: String) -> PortNameError { PortNameError(input: text, reason: reason) }

    static let nameTerminators: Set<UInt8> = Set("-*^/@{}".utf8)

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    mutating func parse() throws(PortNameError) -> PortName {
        if bytes.isEmpty { throw fail("the name is empty") }
        if bytes.contains(0) { throw fail("the name contains a NUL byte") }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw fail("prefix unknown or missing: use netmap:IF for an interface or valeX:PORT for a VALE port")
        }
        let prefix = string(0..<colon)
        var warnings: [PortNameWarning] = []
        let isVALE: Bool
        if prefix == "netmap" {
            isVALE = false
        } else if prefix.hasPrefix("netmap") {
            throw fail("nothing may follow 'netmap' before the ':' (got '\(prefix)')")
        } else if prefix.hasPrefix("val") {
            do { try VALESwitchName.validate(prefix) } catch { throw fail(error.reason) }
            isVALE = true
        } else {
            throw fail("prefix '\(prefix)' unknown: use netmap:IF for an interface or valeX:PORT for a VALE port")
        }
        index = colon + 1

        // Name: up to the first separator.
        let nameStart = index
        while let byte = current, !Self.nameTerminators.contains(byte) { index += 1 }
        let name = string(nameStart..<index)
        if name.isEmpty { throw fail("the port or interface name after ':' is empty") }

        let target: PortName.Target
        if isVALE {
            let portBytes = name.utf8.count
            if portBytes > VALELimits.maxPortNameLength {
                throw fail("the VALE port part '\(name)' is \(portBytes) characters; netmap allows at most \(VALELimits.maxPortNameLength)")
            }
            if let bad = name.utf8.first(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: ":") }) {
                throw fail(bad == UInt8(ascii: ":")
                    ? "the VALE port part '\(name)' contains a second ':'"
                    : "the VALE port part contains whitespace or a control character")
            }
            target = .vale(switchName: prefix, port: name)
        } else {
            do { warnings += try InterfaceName.validate(name) } catch { throw fail(error.reason) }
            target = .interface(name)
        }

        // Pipe end.
        var pipe: PortName.PipeEnd?
        if let byte = current, byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") {
            index += 1
            let idStart = index
            while let b = current, VALESwitchName.isIdentifierByte(b) { index += 1 }
            let id = string(idStart..<index)
            if id.isEmpty {
                throw fail("a pipe needs an identifier after '\(Character(Unicode.Scalar(byte)))' (letters, digits, '_')")
            }
            if let next = current, next == UInt8(ascii: "{") || next == UInt8(ascii: "}") {
                throw fail("only one pipe end ('{' or '}') may follow the name")
            }
            pipe = byte == UInt8(ascii: "{") ? .master(id: id) : .slave(id: id)
        }

        // Ring selector.
        var rings = PortName.RingSelection.allHardware
        if let byte = current {
            switch byte {
            case UInt8(ascii: "^"):
                index += 1
                if let n = try readNumber(optional: true, what: "host ring", limit: 4094) {
                    rings = .oneHost(UInt16(n))
                } else {
                    rings = .allHost
                }
            case UInt8(ascii: "*"):
                index += 1
                rings = .hardwareAndHost
            case UInt8(ascii: "-"):
                index += 1
                guard let n = try readNumber(optional: false, what: "ring", limit: 4094) else {
                    throw fail("'-' must be followed by a ring number")
                }
                rings = .oneHardware(UInt16(n))
            default: break
            }
        }
        if let byte = current, byte == UInt8(ascii: "^") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "-") {
            throw fail("only one ring selector ('^', '*' or '-N') is allowed")
        }

        // Flags.
        var flags: RegisterFlags = []
        if current == UInt8(ascii: "/") {
            index += 1
            let flagStart = index
            while let byte = current, byte != UInt8(ascii: "@") {
                switch byte {
                case UInt8(ascii: "x"): flags.insert(.exclusive)
                case UInt8(ascii: "z"): flags.insert(.zeroCopyMonitor)
                case UInt8(ascii: "t"): flags.insert(.monitorTX)
                case UInt8(ascii: "r"): flags.insert(.monitorRX)
                case UInt8(ascii: "R"): flags.insert(.rxRingsOnly)
                case UInt8(ascii: "T"): flags.insert(.txRingsOnly)
                default:
                    throw fail("unknown flag '\(Character(Unicode.Scalar(byte)))' after '/': use x, z, t, r, R or T")
                }
                index += 1
            }
            if index == flagStart { throw fail("'/' must be followed by at least one flag (x, z, t, r, R, T)") }
        }
        if flags.contains(.rxRingsOnly) && flags.contains(.txRingsOnly) {
            throw fail("flags R (RX rings only) and T (TX rings only) exclude each other")
        }

        // Memory region and options.
        var memoryRegion: UInt16?
        var options: [PortName.Option] = []
        while current == UInt8(ascii: "@") {
            index += 1
            if let byte = current, byte >= 0x30 && byte <= 0x39, options.isEmpty {
                guard let n = try readNumber(optional: false, what: "memory region", limit: 65535) else { break }
                if n == 0 { throw fail("memory region ids start at 1 ('@0' is not valid)") }
                if let existing = memoryRegion, existing != UInt16(n) {
                    throw fail("two different memory regions (@\(existing) and @\(n))")
                }
                memoryRegion = UInt16(n)
                continue
            }
            let start = index
            while let byte = current, byte != UInt8(ascii: "@") { index += 1 }
            options.append(try parseOption(string(start..<index)))
        }
        if let byte = current {
            throw fail("unexpected '\(Character(Unicode.Scalar(byte)))' at position \(index + 1)")
        }
        if !flags.intersection([.monitorTX, .monitorRX, .zeroCopyMonitor]).isEmpty && pipe != nil {
            throw fail("a monitor cannot be opened on a pipe end")
        }
        if Set(options.map(\.name)).count != options.count {
            throw fail("an option is given twice")
        }

        let name0 = PortName(text: text, target: target, pipe: pipe, rings: rings, registerFlags: flags,
                             memoryRegion: memoryRegion, options: options, warnings: [])
        let kernelName = name0.kernelName
        if kernelName.utf8.count > Netmap.maxRequestNameLength {
            throw fail("the name sent to the kernel ('\(kernelName)') is \(kernelName.utf8.count) bytes; netmap keeps at most \(Netmap.maxRequestNameLength)")
        }
        if case .vale(let sw, let port) = target {
            let whole = "\(sw):\(port)"
            if whole.utf8.count > VALELimits.hypervisorNameLimit {
                warnings.append(.longerThanHypervisorBuffer(name: whole, length: whole.utf8.count))
            }
        }
        return PortName(text: text, target: target, pipe: pipe, rings: rings, registerFlags: flags,
                        memoryRegion: memoryRegion, options: options, warnings: warnings)
    }

    mutating func readNumber(optional: Bool, what: String, limit: Int) throws(PortNameError) -> Int? {
        let start = index
        while let byte = current, byte >= 0x30 && byte <= 0x39 { index += 1 }
        if index == start {
            if optional { return nil }
            throw fail("a \(what) number is required")
        }
        let digits = string(start..<index)
        guard digits.count <= 6, let value = Int(digits), value <= limit else {
            throw fail("\(what) number \(digits) is out of range (0...\(limit))")
        }
        return value
    }

    static let optionKeys: [String: (defaultKey: String, keys: Set<String>, numeric: Bool)] = [
        "share": ("port", ["port"], false),
        "conf": ("rings", ["rings", "host_rings", "slots", "tx_rings", "rx_rings", "host_tx_rings",
                           "host_rx_rings", "tx_slots", "rx_slots"], true),
        "extmem": ("file", ["file", "if_num", "if_size", "ring_num", "ring_size", "buf_num", "buf_size"], false),
        "offset": ("initial", ["initial", "bits"], true),
    ]

    func parseOption(_ option: String) throws(PortNameError) -> PortName.Option {
        if option.isEmpty { throw fail("'@' must be followed by a memory region number or an option") }
        let nameEnd = option.firstIndex(where: { $0 == "=" || $0 == ":" }) ?? option.endIndex
        let name = String(option[..<nameEnd])
        guard let spec = Self.optionKeys[name] else {
            throw fail("unknown option '@\(name)': use @share, @conf, @extmem or @offset")
        }
        var values: [String: String] = [:]
        if nameEnd == option.endIndex {
            throw fail("option '@\(name)' needs a value ('@\(name)=...' or '@\(name):key=value')")
        }
        let rest = option[option.index(after: nameEnd)...]
        if option[nameEnd] == "=" {
            if rest.isEmpty { throw fail("option '@\(name)=' has no value") }
            values[spec.defaultKey] = String(rest)
        } else {
            for pair in rest.split(separator: ",", omittingEmptySubsequences: false) {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex, pair.index(after: eq) != pair.endIndex else {
                    throw fail("option '@\(name)' expects key=value pairs separated by ',' (got '\(pair)')")
                }
                let key = pair[..<eq].replacingOccurrences(of: "-", with: "_")
                guard spec.keys.contains(key) else {
                    throw fail("option '@\(name)' has no key '\(pair[..<eq])'")
                }
                values[key] = String(pair[pair.index(after: eq)...])
            }
        }
        if spec.numeric {
            for (key, value) in values where key != "file" && UInt32(value) == nil {
                throw fail("option '@\(name)' key '\(key)' needs a number (got '\(value)')")
            }
        }
        if values[spec.defaultKey] == nil && name != "conf" {
            throw fail("option '@\(name)' requires '\(spec.defaultKey.replacingOccurrences(of: "_", with: "-"))'")
        }
        return PortName.Option(name: name, values: values)
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        String(map { String($0) == target ? Character(replacement) : $0 })
    }
}
