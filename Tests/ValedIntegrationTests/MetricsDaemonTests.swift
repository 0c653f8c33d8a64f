import Foundation
import Testing
import TestSupport

/// Issue 14: the Prometheus endpoint of a real valed (userspace datapath)
/// in the hub namespace of a `SwitchTopology`, scraped with curl. The hub
/// is a fresh namespace, so port 9464 is free there.
@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces && Shell.has("curl"), "needs root, ip netns, veth and curl"))
struct MetricsDaemonTests {
    static let address = "127.0.0.1:9464"

    func scrape(_ t: SwitchTopology, _ url: String = "http://\(address)/metrics") throws -> CommandResult {
        try t.hub.run(["curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code} %{content_type}\n", url], check: false)
    }

    /// The value of the sample `name{…port="PORT"…}`.
    func sample(_ page: String, _ name: String, port: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(name + "{") && $0.contains("port=\"\(port)\"") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    /// 10.99.0.1 on a veth inside the hub (this kernel may lack `dummy`).
    func addSecondAddress(_ t: SwitchTopology) throws {
        try t.hub.run(["ip", "link", "add", "sx0", "type", "veth", "peer", "name", "sx1"])
        try t.hub.run(["ip", "addr", "add", "10.99.0.1/24", "dev", "sx0"])
        try t.hub.run(["ip", "link", "set", "sx0", "up"])
        try t.hub.run(["ip", "link", "set", "sx1", "up"])
    }

    @Test func countersMoveWhileTrafficFlowsAndPromtoolAcceptsThePage() throws {
        let t = try SwitchTopology()
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n")
        t.daemon.extraArguments += ["--metrics-address", Self.address]
        try t.daemon.start()
        #expect(t.daemon.log().contains("serving metrics on http://\(Self.address)/metrics"))
        #expect(try t.ping(from: t.a, to: "10.77.0.2", count: 2))
        let first = try scrape(t)
        #expect(first.succeeded, "\(first.stderr)")
        #expect(first.stdout.contains("\n200 text/plain; version=0.0.4"), "\(first.stdout.suffix(200))")
        let rx1 = try #require(sample(first.stdout, "valed_port_rx_packets_total", port: t.ha), "\(first.stdout)")
        let nicRx1 = try #require(sample(first.stdout, "valed_nic_rx_packets_total", port: t.ha))
        #expect(first.stdout.contains("kind=\"nic\""))
        #expect(first.stdout.contains("valed_switch_ports{switch=\"vale0\"} 2"))
        #expect(first.stdout.contains("valed_switch_learned_macs{switch=\"vale0\"}"))
        #expect(sample(first.stdout, "valed_port_carrier", port: t.ha) == 1)
        #expect(first.stdout.contains("valed_datapath{datapath=\"userspace\"} 1"))
        #expect(first.stdout.contains("\nvaled_forwarder_up 1"), "vale-switchd answers")
        for name in ["valed_reconciles_total", "valed_reconcile_failures_total 0", "valed_last_reconcile_timestamp_seconds",
                     "valed_module_state{", "process_resident_memory_bytes", "process_open_fds", "process_threads",
                     "process_cpu_seconds_total", "valed_port_tx_bytes_total{", "valed_port_drops_total{", "valed_nic_drops_total{"] {
            #expect(first.stdout.contains(name), "\(name) is on the page")
        }

        #expect(try t.ping(from: t.a, to: "10.77.0.2", count: 5))
        let second = try scrape(t)
        let rx2 = try #require(sample(second.stdout, "valed_port_rx_packets_total", port: t.ha))
        let nicRx2 = try #require(sample(second.stdout, "valed_nic_rx_packets_total", port: t.ha))
        let tx2 = try #require(sample(second.stdout, "valed_port_tx_packets_total", port: t.hb))
        #expect(rx2 >= rx1 + 5, "switch counters move: \(rx1) → \(rx2)")
        #expect(nicRx2 >= nicRx1 + 5, "NIC counters move: \(nicRx1) → \(nicRx2)")
        #expect(tx2 >= 5)

        let page = second.stdout.components(separatedBy: "\n").dropLast(2).joined(separator: "\n") + "\n"
        if Shell.has("promtool") {
            let check = try Shell.run(["promtool", "check", "metrics"], check: false, input: page)
            #expect(check.succeeded, "promtool: \(check.stdout)\(check.stderr)")
        } else {
            print("skipping promtool check: promtool is not installed (scripts/install-deps.sh installs it)")
        }

        let missing = try scrape(t, "http://\(Self.address)/")
        #expect(missing.stdout.contains("\n404 "))
    }

    @Test func strangersOnOtherAddressesCannotConnect() throws {
        let t = try SwitchTopology()
        // A second address of the hub, as a neighbour on a LAN would reach it.
        try addSecondAddress(t)
        t.daemon.extraArguments += ["--metrics-address", Self.address]
        try t.daemon.start()
        #expect(try scrape(t).stdout.contains("\n200 "))
        let stranger = try scrape(t, "http://10.99.0.1:9464/metrics")
        #expect(!stranger.succeeded, "nothing listens on 10.99.0.1: \(stranger.stdout)")
        let listening = try t.hub.run(["ss", "-Hltn", "sport = :9464"]).stdout
        #expect(listening.contains("127.0.0.1:9464"), "\(listening)")
        #expect(!listening.contains("0.0.0.0:9464") && !listening.contains("*:9464") && !listening.contains("[::]:9464"))
    }

    @Test func aNonLoopbackAddressIsRefusedUnlessAllowed() throws {
        let t = try SwitchTopology()
        try addSecondAddress(t)
        t.daemon.extraArguments += ["--metrics-address", "10.99.0.1:9464"]
        #expect(throws: (any Error).self) { try t.daemon.start() }
        #expect(t.daemon.log().contains("refusing to serve metrics on 10.99.0.1:9464: it is not a loopback address"), "\(t.daemon.log())")
        #expect(t.daemon.terminationStatus != 0)
        // The same from the configuration file, with file-level wording.
        try t.daemon.writeConfig("metrics:\n  address: 0.0.0.0:9464\n")
        t.daemon.extraArguments = ["--datapath", "userspace"]
        #expect(throws: (any Error).self) { try t.daemon.start() }
        #expect(t.daemon.log().contains("refusing to serve metrics on 0.0.0.0:9464"))
        // Explicitly allowed: it serves there.
        t.daemon.extraArguments = ["--datapath", "userspace", "--metrics-address", "10.99.0.1:9464", "--metrics-allow-remote"]
        try t.daemon.start()
        #expect(try scrape(t, "http://10.99.0.1:9464/metrics").stdout.contains("\n200 "))
    }
}
