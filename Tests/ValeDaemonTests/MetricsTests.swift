import Foundation
import Prometheus
import Testing
@testable import ValeControl
import ValeDatapath
import ValeState

@Suite struct MetricsAddressTests {
    @Test func parsesIPv4AndBracketedIPv6() throws {
        let v4 = try MetricsAddress(parsing: "127.0.0.1:9464")
        #expect(v4.host == "127.0.0.1" && v4.port == 9464 && v4.isLoopback)
        let v6 = try MetricsAddress(parsing: "[::1]:9464")
        #expect(v6.host == "::1" && v6.isLoopback && v6.description == "[::1]:9464")
        #expect(try MetricsAddress(parsing: "127.1.2.3:1").isLoopback)
        #expect(try !MetricsAddress(parsing: "0.0.0.0:9464").isLoopback)
        #expect(try !MetricsAddress(parsing: "[::]:9464").isLoopback)
        #expect(try !MetricsAddress(parsing: "192.0.2.1:9464").isLoopback)
    }

    @Test func rejectsNamesBadPortsAndUnbracketedIPv6() {
        for text in ["localhost:9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:9464", "[::1]9464", ":9464"] {
            #expect(throws: MetricsAddressError.self, "\(text)") { try MetricsAddress(parsing: text) }
        }
    }

    @Test func aNonLoopbackAddressNeedsAllowRemote() throws {
        let remote = try MetricsAddress(parsing: "0.0.0.0:9464")
        #expect(throws: MetricsAddressError.self) { try remote.checked(allowRemote: false) }
        #expect(try remote.checked(allowRemote: true) == remote)
        do { _ = try remote.checked(allowRemote: false) } catch {
            #expect(error.description.contains("--metrics-allow-remote"))
        }
    }

    @Test func configurationKeyIsParsedAndChecked() throws {
        let config = try ConfigParser(fileName: "valed.yaml", onlineCPUs: 4)
            .parse("metrics:\n  address: 127.0.0.1:9464\n  allow-remote: true\n")
        #expect(config.metrics == MetricsConfig(address: "127.0.0.1:9464", allowRemote: true))
        #expect(throws: ConfigError.self) { try ConfigParser(fileName: "valed.yaml", onlineCPUs: 4).parse("metrics:\n  address: nowhere\n") }
        #expect(throws: ConfigError.self) { try ConfigParser(fileName: "valed.yaml", onlineCPUs: 4).parse("metrics:\n  port: 1\n") }
    }
}

@Suite struct ProcessStatisticsTests {
    @Test func parsesAStatLineWhoseNameHasSpacesAndParentheses() {
        let line = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 1000 123456789 300 18446744073709551615"
        let f = ProcessStatistics.parse(stat: line)
        #expect(f == ProcessStatistics.StatFields(utime: 250, stime: 50, threads: 7, startTicks: 1000, vsize: 123456789, rssPages: 300))
    }

    @Test func readsThisProcess() throws {
        let p = try #require(ProcessStatistics.current())
        #expect(p.residentBytes > 0 && p.threads >= 1 && p.openFileDescriptors >= 3)
    }

    @Test func countersAreWrittenWithTheirAbsoluteValues() {
        let r = PrometheusCollectorRegistry()
        MetricsCollector.record(Counters(rxPackets: 7, rxBytes: 700, txPackets: 3, txBytes: 300, drops: 1), prefix: "valed_port",
                                what: "the port", labels: [("switch", "vale0"), ("port", "p0"), ("kind", "nic")], into: r)
        let page = r.emitToString()
        #expect(page.contains("# TYPE valed_port_rx_packets_total counter"))
        #expect(page.contains(#"valed_port_rx_packets_total{switch="vale0",port="p0",kind="nic"} 7"#), "\(page)")
        #expect(page.contains(#"valed_port_drops_total{switch="vale0",port="p0",kind="nic"} 1"#))
    }

    @Test func theForwardingProcessIsOnThePage() {
        let r = PrometheusCollectorRegistry()
        MetricsCollector.record(ForwardingProcessStatus(name: "vale-switchd", supervision: .external, socket: "/run/valed/switchd.sock",
                                                        running: true, pid: 42, uptimeSeconds: 12.5, restarts: 3), into: r)
        let page = r.emitToString()
        #expect(page.contains("valed_forwarder_up 1"), "\(page)")
        #expect(page.contains("# TYPE valed_forwarder_restarts_total counter"))
        #expect(page.contains("valed_forwarder_restarts_total 3"))
        #expect(page.contains("valed_forwarder_uptime_seconds 12.5"))
        let down = PrometheusCollectorRegistry()
        MetricsCollector.record(ForwardingProcessStatus(name: "vale-switchd", supervision: .spawn, socket: "s", running: false,
                                                        restarts: 3, problem: "not running"), into: down)
        let downPage = down.emitToString()
        #expect(downPage.contains("valed_forwarder_up 0"))
        #expect(downPage.contains("valed_forwarder_restarts_total 3"))
        #expect(!downPage.contains("valed_forwarder_uptime_seconds"))
    }
}
