import Yams

/// Walks a composed YAML tree, collecting problems with their positions
/// instead of stopping at the first one.
struct Reader {
    let file: String
    var issues: [ConfigIssue] = []
    var warnings: [String] = []

    init(file: String) { self.file = file }

    mutating func report(_ node: Node, _ reason: String) {
        let mark = node.mark
        issues.append(ConfigIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, reason: reason))
    }

    func issue(for error: YamlError) -> ConfigIssue {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigIssue(file: file, line: mark.line, column: mark.column, reason: "YAML syntax error: \(text)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigIssue(file: file, line: context.mark.line, column: context.mark.column,
                               reason: "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.joined(separator: ", "))")
        default:
            return ConfigIssue(file: file, line: 1, column: 1, reason: "YAML error: \(error)")
        }
    }

    mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        report(node, "\(what) must be a mapping (key: value lines)")
        return nil
    }

    mutating func sequence(_ node: Node, _ what: String) -> Node.Sequence? {
        if let s = node.sequence { return s }
        report(node, "\(what) must be a list (lines starting with '- ')")
        return nil
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        if case let .scalar(s) = node { return s.string }
        report(node, "\(what) must be a single value, not a list or mapping")
        return nil
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar = node, let b = node.bool { return b }
        report(node, "\(what) must be true or false, not '\(node.string ?? "?")'")
        return nil
    }

    mutating func integer(_ node: Node, _ what: String, _ range: ClosedRange<Int>) -> Int? {
        guard case .scalar = node, let v = node.int else {
            report(node, "\(what) must be a whole number, not '\(node.string ?? "?")'")
            return nil
        }
        guard range.contains(v) else {
            report(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(v)")
            return nil
        }
        return v
    }

    mutating func number(_ node: Node, _ what: String) -> Double? {
        if case .scalar = node, let v = node.float { return v }
        report(node, "\(what) must be a number, not '\(node.string ?? "?")'")
        return nil
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: Node, _ type: E.Type, _ what: String) -> E? where E.RawValue == String {
        guard let text = string(node, what) else { return nil }
        if let v = E(rawValue: text) { return v }
        report(node, "\(what) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        return nil
    }

    /// Reports every key of `map` that is not in `allowed` (typos must not pass silently).
    mutating func allowOnly(_ map: Node.Mapping, _ allowed: [String], in what: String) {
        for key in map.keys {
            guard let name = key.string else { report(key, "keys in \(what) must be plain words"); continue }
            if !allowed.contains(name) {
                report(key, "unknown key '\(name)' in \(what) (expected \(allowed.joined(separator: ", ")))")
            }
        }
    }
}
