/// One `name=value` module parameter given at load time, as in
/// `modprobe netmap max_bridges=16` or an `options` line of modprobe.d.
public struct ModuleOption: Hashable, Sendable, CustomStringConvertible {
    /// Parameter name, e.g. `max_bridges`.
    public var name: String
    /// Value as the kernel parses it; nil for a bare flag (`name` alone).
    public var value: String?

    /// Creates an option.
    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }

    /// The token passed to the kernel; values with spaces are double-quoted
    /// because the kernel's parameter parser splits on unquoted spaces.
    public var description: String {
        guard let value else { return name }
        return value.contains(" ") ? "\(name)=\"\(value)\"" : "\(name)=\(value)"
    }

    /// Splits an option string the way the kernel does (spaces separate,
    /// double quotes group), e.g. libkmod's `kmod_module_get_options` result.
    public static func parse(_ text: String) -> [ModuleOption] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var inToken = false
        for ch in text {
            if ch == "\"" { quoted.toggle(); inToken = true; continue }
            if ch.isWhitespace && !quoted {
                if inToken { tokens.append(current); current = ""; inToken = false }
                continue
            }
            current.append(ch)
            inToken = true
        }
        if inToken { tokens.append(current) }
        return tokens.map { token in
            guard let eq = token.firstIndex(of: "=") else { return ModuleOption(token, nil) }
            return ModuleOption(String(token[..<eq]), String(token[token.index(after: eq)...]))
        }
    }

    /// modprobe semantics: the modprobe.d options first, then the caller's;
    /// a caller's option replaces a configured one of the same name in place.
    public static func merge(configured: [ModuleOption], overrides: [ModuleOption]) -> [ModuleOption] {
        var result = configured
        for option in overrides {
            if let index = result.firstIndex(where: { $0.name == option.name }) {
                result[index] = option
            } else {
                result.append(option)
            }
        }
        return result
    }

    /// The option string handed to `finit_module(2)`.
    public static func render(_ options: [ModuleOption]) -> String {
        options.map(\.description).joined(separator: " ")
    }
}
