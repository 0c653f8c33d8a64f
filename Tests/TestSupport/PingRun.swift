import Foundation

/// A ping from `namespace` every `interval` seconds, with receive timestamps
/// (-D) so the longest silence can be measured.
public final class PingRun: @unchecked Sendable {
    private let process = Process()
    private let outputPath: String

    public init(from namespace: NetworkNamespace, to address: String, count: Int, interval: Double = 0.01, directory: TemporaryDirectory) throws {
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

    public struct Result: CustomStringConvertible {
        public var transmitted: Int
        public var received: Int
        /// Receive times of the replies (seconds since the epoch), in order.
        public var replyTimes: [Double]
        public var lost: Int { transmitted - received }
        /// The longest time between two consecutive replies.
        public var longestGap: Double {
            zip(replyTimes, replyTimes.dropFirst()).map { $1 - $0 }.max() ?? 0
        }
        public var description: String {
            "\(transmitted) sent, \(received) received, \(lost) lost, longest gap \(String(format: "%.1f", longestGap * 1000)) ms"
        }
    }

    /// Waits for ping to finish and parses what it printed.
    public func wait() -> Result {
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
