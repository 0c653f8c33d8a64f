/// One problem in a configuration file, with its position.
public struct ConfigIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var reason: String

    public init(file: String, line: Int, column: Int, reason: String) {
        self.file = file; self.line = line; self.column = column; self.reason = reason
    }

    /// `file:line:column: reason`, the format editors and compilers use.
    public var description: String { "\(file):\(line):\(column): \(reason)" }
}

/// A rejected configuration: every problem found, in file order. A config
/// with any problem is rejected as a whole; nothing of it is applied.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) { self.issues = issues }

    public var description: String {
        "configuration rejected (\(issues.count) problem\(issues.count == 1 ? "" : "s")):\n"
            + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
