import Foundation
import Testing
import TestSupport

/// valed under a real systemd: Tests/Nspawn/run.sh boots a container with
/// systemd-nspawn (--volatile=yes --private-network --keep-unit
/// --register=no, firstboot masked), binds the units, sysusers/tmpfiles and
/// the built valed/valectl in, and checks socket activation, READY, STATUS,
/// reload, stop without teardown, the watchdog restart and the journal; then
/// vale-switchd.service (Tests/Nspawn/forwarder-checks.sh): 0 pings lost
/// across `systemctl restart valed`, systemd's restart after a kill -9,
/// teardown, and `systemd-analyze security` for both units.
@Suite("valed under systemd in systemd-nspawn")
struct NspawnIntegrationTests {
    static var binaries: String { TestHost.productsDirectory.path }
    static var canRun: Bool {
        TestHost.isRoot && Shell.has("systemd-nspawn")
            && FileManager.default.isExecutableFile(atPath: binaries + "/valed")
            && FileManager.default.isExecutableFile(atPath: binaries + "/valectl")
            && FileManager.default.isExecutableFile(atPath: binaries + "/vale-switchd")
    }

    @Test(.enabled(if: canRun, "needs root, systemd-nspawn (systemd-container) and built valed/valectl/vale-switchd"))
    func unitsBehaveUnderARealSystemd() throws {
        let script = TestHost.repositoryRoot.appendingPathComponent("Tests/Nspawn/run.sh").path
        let result = try Shell.run(["bash", script, "--bin-dir", Self.binaries], check: false)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("FAIL") }
        // The measured numbers (issue 13): exposures, pings lost, the gap.
        for line in lines where line.contains("exposure") || line.contains("pings lost") {
            print("nspawn: \(line)")
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.stderr)")
        #expect(result.status == 0, "run.sh exited \(result.status): \(result.stdout.suffix(2000)) \(result.stderr.suffix(2000))")
        for check in ["first valectl status answered through socket activation",
                      "Type=notify service reached active (READY=1 received)",
                      "reload applied (vm2 exists)", "vm1 still exists after stop",
                      "journal names the watchdog", "journal entries carry VALED_LOGGER",
                      "long apply: same process, not killed by the watchdog",
                      "long apply: an engine wedged during a long reload is still restarted by the watchdog",
                      "vale-switchd.service active (READY=1) with valed",
                      "vale-switchd was not restarted by the valed restart",
                      "vale-switchd stays stopped after teardown"] {
            #expect(lines.contains("PASS " + check), "missing: \(check)")
        }
    }
}
