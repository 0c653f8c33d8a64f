import Foundation

/// Reads ../shared/netmap/abi-facts.txt at test time, so changing a number
/// in that file makes the ABI tests fail.
enum ABIFacts {
    /// The file: `$VALED_SHARED_DIR/netmap/abi-facts.txt`, else the `shared`
    /// folder next to the repository (found from this source file's path).
    static var url: URL {
        if let dir = ProcessInfo.processInfo.environment["VALED_SHARED_DIR"] {
            return URL(fileURLWithPath: dir).appendingPathComponent("netmap/abi-facts.txt")
        }
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/netmap/abi-facts.txt")
    }

    /// One fact line: kind (`sizeof`, `const`, `probe`, ...), key, numeric value.
    struct Fact: Sendable, CustomStringConvertible {
        var kind: String
        var name: String
        var value: Int64
        var key: String { "\(kind) \(name)" }
        var description: String { "\(key) = \(value)" }
    }

    static func load() throws -> [Fact] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let value = Int64(parts[2]) else { return nil }
            return Fact(kind: String(parts[0]), name: String(parts[1]), value: value)
        }
    }

    /// The `probe` lines as name → value.
    static func probes() throws -> [String: Int64] {
        Dictionary(try load().filter { $0.kind == "probe" }.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}
