import Foundation
import Testing
import TestSupport

/// systemd/vale-switchd.service, the forwarding process's unit (issue 13),
/// and how valed.service relates to it, checked by systemd's own tools. As
/// in UnitFileTests, ExecStart alone is pointed at a binary that exists.
@Suite("vale-switchd.service", .enabled(if: Shell.has("systemd-analyze"), "needs systemd-analyze (package systemd)"))
struct SwitchdUnitTests {
    static let systemdDirectory = TestHost.repositoryRoot.appendingPathComponent("systemd")
    static let units = ["vale-switchd.service", "valed.service", "valed.socket"]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: systemdDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The setting lines of a unit (no comments, no blank lines).
    static func settings(_ name: String) throws -> [String] {
        try text(name).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    static func verifiableCopy() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "valed-switchd-units")
        func existing(_ tool: String) -> String {
            let built = TestHost.executable(tool).path
            return FileManager.default.isExecutableFile(atPath: built) ? built : "/bin/true"
        }
        for name in units {
            var text = try text(name)
            text = text.replacingOccurrences(of: "ExecStart=/usr/local/sbin/vale-switchd", with: "ExecStart=\(existing("vale-switchd"))")
            text = text.replacingOccurrences(of: "ExecStart=/usr/local/sbin/valed", with: "ExecStart=\(existing("valed"))")
            try text.write(toFile: dir.path + "/" + name, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func verifyIsSilent() throws {
        let dir = try Self.verifiableCopy()
        defer { dir.remove() }
        let result = try Shell.run(["sh", "-c", "cd '\(dir.path)' && exec systemd-analyze verify --man=no "
                                    + Self.units.map { "./" + $0 }.joined(separator: " ")], check: false)
        #expect(result.stderr == "", "systemd-analyze verify complained")
        #expect(result.status == 0)
    }

    @Test func serviceKeepsWhatTheDesignRequires() throws {
        let lines = Set(try Self.settings("vale-switchd.service"))
        for required in ["Type=notify", "NotifyAccess=main", "ExecStart=/usr/local/sbin/vale-switchd",
                         "Restart=on-failure", "RestartSec=0", "RestartPreventExitStatus=65", "KillMode=mixed",
                         "RuntimeDirectory=valed", "RuntimeDirectoryPreserve=yes",
                         "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW", "NoNewPrivileges=yes",
                         "DevicePolicy=closed", "DeviceAllow=/dev/net/tun rw",
                         "RestrictAddressFamilies=AF_UNIX AF_PACKET", "ProtectSystem=strict",
                         "ProtectKernelModules=yes", "ProtectKernelTunables=yes", "IPAddressDeny=any"] {
            #expect(lines.contains(required), "vale-switchd.service lacks \(required)")
        }
        // Started by valed.service's Wants=, never on its own at boot (its state is under /run).
        #expect(!lines.contains("[Install]"))
        let valed = Set(try Self.settings("valed.service"))
        for required in ["Wants=vale-switchd.service", "After=vale-switchd.service",
                         "ExecStart=/usr/local/sbin/valed --forwarder external"] {
            #expect(valed.contains(required), "valed.service lacks \(required)")
        }
    }

    /// Restarting or stopping valed must not reach vale-switchd, nor the
    /// other way round: no dependency that propagates a stop or restart.
    @Test func noDependencyCarriesAStopAcross() throws {
        let propagating = ["Requires=", "Requisite=", "BindsTo=", "PartOf=", "PropagatesStopTo=", "StopPropagatedFrom=",
                           "Upholds=", "Conflicts="]
        for (unit, other) in [("valed.service", "vale-switchd"), ("vale-switchd.service", "valed.")] {
            for line in try Self.settings(unit) where propagating.contains(where: { line.hasPrefix($0) }) {
                #expect(!line.contains(other), "\(unit): \(line)")
            }
        }
    }

    /// The exposure `systemd-analyze security --offline=yes` gives, at or
    /// below the one recorded in docs/forwarder.md, which is at most 3.0.
    @Test func exposureScoreWithinTheRecordedTarget() throws {
        let dir = try Self.verifiableCopy()
        defer { dir.remove() }
        let result = try Shell.run(["sh", "-c", "cd '\(dir.path)' && exec systemd-analyze security --offline=yes --no-pager ./vale-switchd.service"],
                                   check: false)
        let output = result.stdout + result.stderr
        let marker = "Overall exposure level for vale-switchd.service: "
        let range = try #require(output.range(of: marker), "no score in: \(result.stderr)")
        let score = try #require(Double(output[range.upperBound...].prefix { $0.isNumber || $0 == "." }))
        let docs = try String(contentsOf: TestHost.repositoryRoot.appendingPathComponent("docs/forwarder.md"), encoding: .utf8)
        let recordedMarker = "Recorded exposure score of vale-switchd.service: "
        let recordedRange = try #require(docs.range(of: recordedMarker), "docs/forwarder.md has no '\(recordedMarker)' line")
        let recorded = try #require(Double(docs[recordedRange.upperBound...].prefix { $0.isNumber || $0 == "." }))
        #expect(score <= recorded, "exposure \(score) is above the recorded \(recorded)")
        #expect(recorded <= 3.0)
    }
}
