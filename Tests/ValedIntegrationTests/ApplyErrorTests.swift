import Foundation
import Testing
import TestSupport

/// Issue 16: `valectl apply` against a real valed names the file the user
/// gave (or `<stdin>`), and prints each problem exactly once; nothing changes.
@Suite(.serialized)
struct ApplyErrorTests {
    static let bad = """
        datapath: fast
        switches:
          vale0:
            ports:
              - port: vm1
                tx-slots: banana
              - nic: a/b

        """
    static let expected = [
        "valectl: configuration rejected (3 problems):",
        "  %@:1:11: datapath must be one of auto, kernel, userspace, not 'fast'",
        "  %@:6:19: tx-slots must be a whole number, not 'banana'",
        "  %@:7:14: nic 'a/b': an interface name cannot contain '/'",
    ]

    static func lines(naming file: String) -> [String] {
        expected.map { $0.replacingOccurrences(of: "%@", with: file) }
    }

    func daemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        try daemon.writeConfig("")
        try daemon.start()
        return daemon
    }

    @Test func applyOfAFileReportsEachProblemOnceUnderThePathGiven() throws {
        let daemon = try daemon()
        defer { daemon.cleanUp() }
        let before = try daemon.valectl(["config", "show"]).stdout
        // A relative path, as the user typed it, from the file's directory.
        try Self.bad.write(toFile: daemon.directory.path + "/bad.yaml", atomically: true, encoding: .utf8)
        for extra in [["--dry-run"], []] {
            let result = try Shell.run(["sh", "-c", "cd \"$0\" && s=\"$1\" && v=\"$2\" && shift 2 && exec env VALED_SOCKET=\"$s\" \"$v\" apply -f bad.yaml \"$@\"",
                                        daemon.directory.path, daemon.socketPath, TestHost.executable("valectl").path] + extra,
                                       check: false)
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").map(String.init) == Self.lines(naming: "bad.yaml"), "\(extra): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try daemon.valectl(["config", "show"]).stdout == before, "nothing changed")
    }

    @Test func applyFromStandardInputCallsItStdin() throws {
        let daemon = try daemon()
        defer { daemon.cleanUp() }
        let result = try Shell.run(["env", "VALED_SOCKET=\(daemon.socketPath)", TestHost.executable("valectl").path,
                                    "apply", "-f", "-"], check: false, input: Self.bad)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").map(String.init) == Self.lines(naming: "<stdin>"), "\(result.stderr)")
    }

    @Test func configShowHasOneHeader() throws {
        let daemon = try daemon()
        defer { daemon.cleanUp() }
        let show = try daemon.valectl(["config", "show"]).stdout
        let comments = show.split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(comments == ["# valed desired state: \(daemon.configPath) plus changes made with valectl"])
    }
}
