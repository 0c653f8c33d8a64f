import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// vale-switchd processes found by their command line: valed starts them
/// detached (spawn mode), so they are nobody's child in a test and outlive
/// valed on purpose; a test finds and stops them by the socket they serve.
public enum ForwarderProcesses {
    /// Live (not zombie) vale-switchd processes whose command line names `socket`.
    public static func pids(socket: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var result: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry),
                  let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let words = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let first = words.first, first.hasSuffix("vale-switchd"), words.contains(socket), !isZombie(pid) else { continue }
            result.append(pid)
        }
        return result.sorted()
    }

    /// SIGKILLs them and waits (up to 5 s) until none is left.
    public static func kill(socket: String) {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let found = pids(socket: socket)
            if found.isEmpty { return }
            for pid in found { Glibc.kill(pid, SIGKILL) }
            usleep(10_000)
        }
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return true }
        return text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
