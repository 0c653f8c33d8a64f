import Foundation
import Prometheus
import ValeDatapath
import ValeEngine

/// Builds the /metrics page at scrape time from what `valectl list` and
/// `valectl status` read: nothing is sampled in between. A scrape never
/// waits behind a long operation that holds the engine (an apply, a module
/// reload): then the port rows are those of the last observation and
/// `valed_engine_busy` is 1.
/// Names and labels are listed in docs/metrics.md.
public struct MetricsCollector: Sendable {
    let engine: Engine
    let modules: ModuleProviding?
    let nics: NICInspecting?
    let forwarder: ForwardingProcessProviding?

    public init(engine: Engine, modules: ModuleProviding? = nil, nics: NICInspecting? = nil,
                forwarder: ForwardingProcessProviding? = nil) {
        self.engine = engine
        self.modules = modules
        self.nics = nics
        self.forwarder = forwarder
    }

    /// The page in the Prometheus text format (version 0.0.4).
    public func render() async -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        let (rows, busy) = await engine.listWithoutWaiting()
        let status = await engine.status()
        let totals = await engine.reconcileTotals
        recordPorts(rows, into: registry)
        recordSwitches(rows, into: registry)
        recordDaemon(status, totals, into: registry)
        registry.gauge("valed_engine_busy",
                       help: "1 while a long operation (apply, reload, module reload) holds the engine: port counters are from before it")
            .set(busy == nil ? 0.0 : 1.0)
        if let forwarder { Self.record(forwarder.status(), into: registry) }
        if let process = ProcessStatistics.current() { Self.record(process, into: registry) }
        return registry.emitToBuffer()
    }

    private func recordPorts(_ rows: [PortStatus], into r: PrometheusCollectorRegistry) {
        for row in rows {
            let labels = [("switch", row.switchName ?? ""), ("port", row.name), ("kind", row.kind.rawValue)]
            r.gauge("valed_port_ok", labels: labels,
                    help: "1 when the port is as desired, 0 when it is missing or failed (see valectl list)")
                .set(row.state.isOK ? 1.0 : 0.0)
            if let carrier = row.carrier {
                r.gauge("valed_port_carrier", labels: labels, help: "Carrier of the attached NIC (1 up, 0 down)")
                    .set(carrier ? 1.0 : 0.0)
            }
            if let counters = row.counters { Self.record(counters, prefix: "valed_port", what: "the switch port", labels: labels, into: r) }
            if row.kind == .nic || row.kind == .nicHost, let counters = nics?.counters(row.name) {
                Self.record(counters, prefix: "valed_nic", what: "the NIC (its netdev statistics)", labels: labels, into: r)
            }
        }
    }

    static func record(_ c: Counters, prefix: String, what: String, labels: [(String, String)], into r: PrometheusCollectorRegistry) {
        let rows: [(String, String, UInt64)] = [
            ("rx_packets_total", "Packets received by \(what)", c.rxPackets),
            ("rx_bytes_total", "Bytes received by \(what)", c.rxBytes),
            ("tx_packets_total", "Packets sent by \(what)", c.txPackets),
            ("tx_bytes_total", "Bytes sent by \(what)", c.txBytes),
            ("drops_total", "Frames dropped by \(what)", c.drops),
        ]
        for (name, help, value) in rows {
            // A fresh registry per scrape: the counter starts at 0 and takes
            // the datapath's absolute value.
            r.counter("\(prefix)_\(name)", labels: labels, help: help).increment(by: Int64(clamping: value))
        }
    }

    private func recordSwitches(_ rows: [PortStatus], into r: PrometheusCollectorRegistry) {
        var ports: [String: Int] = [:]
        for row in rows { if let name = row.switchName { ports[name, default: 0] += 1 } }
        for (name, count) in ports.sorted(by: { $0.key < $1.key }) {
            r.gauge("valed_switch_ports", labels: [("switch", name)], help: "Ports on the switch").set(Double(count))
        }
        // Empty where the datapath does not expose its tables (netmap).
        for (name, learned) in engine.datapath.learnedAddressCounts() {
            r.gauge("valed_switch_learned_macs", labels: [("switch", name)],
                    help: "MAC addresses in the switch's learning table (userspace datapath)")
                .set(Double(learned))
        }
    }

    private func recordDaemon(_ status: EngineStatus, _ totals: ReconcileTotals, into r: PrometheusCollectorRegistry) {
        r.counter("valed_reconciles_total", help: "Reconciles since valed started").increment(by: Int64(totals.reconciles))
        r.counter("valed_reconcile_failures_total", help: "Reconcile steps that failed since valed started")
            .increment(by: Int64(totals.failedSteps))
        if let last = status.lastReconcile {
            r.gauge("valed_last_reconcile_timestamp_seconds", help: "When the last reconcile started (seconds since the epoch)")
                .set(last.started.timeIntervalSince1970)
            r.gauge("valed_last_reconcile_success", help: "1 when every step of the last reconcile succeeded")
                .set(last.succeeded ? 1.0 : 0.0)
        }
        for kind in [DatapathInfo.Kind.kernel, .userspace] {
            r.gauge("valed_datapath", labels: [("datapath", kind.rawValue)], help: "The datapath valed runs (1 for the one in use)")
                .set(status.datapath.kind == kind ? 1.0 : 0.0)
        }
        r.gauge("valed_datapath_up", help: "0 when the datapath is gone (netmap unloaded, vale-switchd not answering)")
            .set(status.datapathDown == nil ? 1.0 : 0.0)
        if let info = modules?.info() {
            for state in ModuleStatus.State.allCases {
                r.gauge("valed_module_state", labels: [("module", info.name), ("state", state.rawValue)],
                        help: "State of the netmap kernel module (1 for the current one)")
                    .set(info.state == state ? 1.0 : 0.0)
            }
        }
    }

    /// The forwarding process (vale-switchd on the userspace datapath).
    static func record(_ f: ForwardingProcessStatus, into r: PrometheusCollectorRegistry) {
        r.gauge("valed_forwarder_up", help: "1 when the forwarding process (\(f.name)) answers valed")
            .set(f.running ? 1.0 : 0.0)
        r.counter("valed_forwarder_restarts_total",
                  help: "Starts of \(f.name) over its state file (crashes, restarts, upgrades); the last known value while it does not answer")
            .increment(by: Int64(f.restarts))
        if let uptime = f.uptimeSeconds {
            r.gauge("valed_forwarder_uptime_seconds", help: "Seconds since \(f.name) started").set(uptime)
        }
    }

    static func record(_ p: ProcessStatistics, into r: PrometheusCollectorRegistry) {
        r.counter("process_cpu_seconds_total", help: "User and system CPU time spent in seconds").increment(by: p.cpuSeconds)
        r.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes").set(Double(p.residentBytes))
        r.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes").set(Double(p.virtualBytes))
        r.gauge("process_open_fds", help: "Number of open file descriptors").set(Double(p.openFileDescriptors))
        if let max = p.maxFileDescriptors, max < UInt64(Int64.max) {
            r.gauge("process_max_fds", help: "Maximum number of open file descriptors").set(Double(max))
        }
        r.gauge("process_threads", help: "Number of OS threads").set(Double(p.threads))
        if let start = p.startTime {
            r.gauge("process_start_time_seconds", help: "Start time of the process since the epoch in seconds").set(start)
        }
    }
}

extension PrometheusCollectorRegistry {
    /// A counter by its full name, through swift-prometheus's descriptor API
    /// (the name carries its own `_total`; no separate unit).
    func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// A gauge by its full name, through swift-prometheus's descriptor API.
    func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
