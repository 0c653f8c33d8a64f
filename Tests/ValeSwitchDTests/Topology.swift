import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Three namespaces: `switchNS` runs vale-switchd and holds the switch ends
/// of two veth pairs (`sa`, `sb`); `a` and `b` hold the other ends (`eth0`,
/// 10.77.0.1 and 10.77.0.2).
final class ForwarderTopology: @unchecked Sendable {
    let switchNS: NetworkNamespace
    let a: NetworkNamespace
    let b: NetworkNamespace
    static let addressA = "10.77.0.1"
    static let addressB = "10.77.0.2"

    init() throws {
        switchNS = try NetworkNamespace(prefix: "swd")
        a = try NetworkNamespace(prefix: "swa")
        b = try NetworkNamespace(prefix: "swb")
        try a.addVeth(inside: "eth0", outside: "sa", outsideIn: switchNS)
        try b.addVeth(inside: "eth0", outside: "sb", outsideIn: switchNS)
        try a.run(["ip", "addr", "add", "\(Self.addressA)/24", "dev", "eth0"])
        try b.run(["ip", "addr", "add", "\(Self.addressB)/24", "dev", "eth0"])
    }

    func delete() {
        a.delete()
        b.delete()
        switchNS.delete()
    }
}

/// A ping from `namespace` every `interval` seconds, with receive timestamps
/// (-D) so the longest silence can be measured.
final class PingRun: @unchecked Sendable {
    private let process = Process()
    private let outputPath: String

    init(from namespace: NetworkNamespace, to address: String, count: Int, interval: Double = 0.01, directory: TemporaryDirectory) throws {
        outputPath = directory.path + "/ping-\(UUID().uuidString.prefix(6)).txt"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace.name, "ping", "-D", "-n", "-c", String(count),
                             "-i", String(interval), "-W", "1", address]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    struct Result: CustomStringConvertible {
        var transmitted: Int
        var received: Int
        /// Receive times of the replies (seconds since the epoch), in order.
        var replyTimes: [Double]
        var lost: Int { transmitted - received }
        /// The longest time between two consecutive replies.
        var longestGap: Double {
            zip(replyTimes, replyTimes.dropFirst()).map { $1 - $0 }.max() ?? 0
        }
        var description: String {
            "\(transmitted) sent, \(received) received, \(lost) lost, longest gap \(String(format: "%.1f", longestGap * 1000)) ms"
        }
    }

    /// Waits for ping to finish and parses what it printed.
    func wait() -> Result {
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        var result = Result(transmitted: 0, received: 0, replyTimes: [])
        for line in text.split(separator: "\n") {
            if line.contains("bytes from"), line.hasPrefix("["), let end = line.firstIndex(of: "]"),
               let time = Double(line[line.index(after: line.startIndex)..<end]) {
                result.replyTimes.append(time)
            }
            if line.contains("packets transmitted") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                if numbers.count >= 2 {
                    result.transmitted = numbers[0]
                    result.received = numbers[1]
                }
            }
        }
        return result
    }
}
