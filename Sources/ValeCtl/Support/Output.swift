import Foundation
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Printing: aligned tables, `key: value` blocks, JSON.
enum Output {
    // FileHandle writes go straight to the descriptor: no stdio buffer
    // to lose when a stream is interrupted.
    static func write(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }

    static func writeError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Pretty, key-sorted JSON: the stable `--json` form.
    static func prettyJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// One-line JSON, for streams (one reply per line).
    static func compactJSON(_ value: some Encodable) throws -> String {
        String(decoding: try VarlinkFraming.makeEncoder().encode(value), as: UTF8.self)
    }

    static func printJSON(_ value: some Encodable) throws {
        write(try prettyJSON(value) + "\n")
    }

    /// Columns padded to their widest cell; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `key: value` lines with the values aligned.
    static func keyValues(_ pairs: [(String, String)]) -> String {
        let width = (pairs.map(\.0.count).max() ?? 0) + 1
        return pairs.map { key, value in
            (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + value
        }.joined(separator: "\n")
    }

    static func optional<T>(_ value: T?) -> String {
        value.map { "\($0)" } ?? "-"
    }

    static func yesNo(_ value: Bool?) -> String {
        value.map { $0 ? "yes" : "no" } ?? "-"
    }

    static func counters(_ counters: Counters?) -> String {
        guard let counters else { return "-" }
        return "rx \(counters.rxPackets) packets \(counters.rxBytes) bytes, tx \(counters.txPackets) packets \(counters.txBytes) bytes, \(counters.drops) dropped"
    }

    /// A plan (apply, reload, teardown, module reload) as a table and the summary.
    static func plan(_ reply: PlanReply) -> String {
        guard !reply.steps.isEmpty else { return reply.message }
        let rows = reply.steps.map { step in
            [String(step.index + 1), step.status.rawValue, step.action, step.object,
             step.description + (step.error.map { ": \($0)" } ?? "")]
        }
        return table(["#", "STATUS", "ACTION", "OBJECT", "DESCRIPTION"], rows) + "\n" + reply.message
    }
}
