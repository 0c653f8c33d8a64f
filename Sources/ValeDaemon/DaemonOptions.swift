import ArgumentParser
import Logging
import ValeState
import ValeUserspaceVALE

/// valed's command line. Every path is a flag so several independent
/// instances can run side by side (tests, namespaces).
public struct DaemonOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Control socket path (ignored when systemd passes the socket).", valueName: "path"))
    public var socket: String = "/run/valed/valed.sock"

    @Option(name: .long, help: ArgumentHelp("Configuration file; a missing file is an empty configuration.", valueName: "file"))
    public var config: String = "/etc/valed/valed.yaml"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Directory of the desired-state store.", valueName: "dir"))
    public var stateDirectory: String = "/var/lib/valed"

    @Option(name: .long, help: ArgumentHelp("""
        auto: netmap's VALE when /dev/netmap exists, else the userspace switch; \
        kernel: require netmap; userspace: never use netmap. Overrides `datapath:` in the configuration.
        """, valueName: "auto|kernel|userspace"))
    public var datapath: DatapathChoice?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    public var logLevel: Logger.Level = .info

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Seconds after which a silent client connection is closed.", valueName: "seconds"))
    public var idleTimeout: Int = 60

    @Option(name: .customLong("control-group"), help: ArgumentHelp("Group whose members may change state (besides root).", valueName: "group"))
    public var controlGroup: String = "valed"

    @Option(name: .customLong("metrics-address"), help: ArgumentHelp("""
        Serve Prometheus metrics at http://ADDRESS/metrics (e.g. 127.0.0.1:9464). \
        Off by default; overrides `metrics: address:` in the configuration.
        """, valueName: "ip:port"))
    public var metricsAddress: String?

    @Flag(name: .customLong("metrics-allow-remote"), help: "Allow a metrics address that is not loopback (127.0.0.0/8, ::1).")
    public var metricsAllowRemote = false

    @Option(name: .long, help: ArgumentHelp("""
        Who runs vale-switchd, the process that forwards for the userspace datapath. \
        spawn: valed starts it (detached, in a session of its own) when its socket does not answer, \
        and starts it again when it dies; stopping, restarting or killing valed leaves it forwarding. \
        external: a service manager runs it (systemd's vale-switchd.service); valed waits for its socket \
        at start and never starts one. Unused on the kernel datapath.
        """, valueName: "spawn|external"))
    public var forwarder: ForwarderMode = .spawn

    @Option(name: .customLong("forwarder-socket"), help: ArgumentHelp("""
        vale-switchd's Varlink socket (its --socket); a vale-switchd answering there is adopted with its ports as they are.
        """, valueName: "path"))
    public var forwarderSocket: String = ForwarderSettings().socket

    @Option(name: .customLong("forwarder-state"), help: ArgumentHelp("""
        vale-switchd's state file (its --state), from which it restores its ports when it is started again. Used in spawn mode.
        """, valueName: "path"))
    public var forwarderState: String = ForwarderSettings().stateFile

    @Option(name: .customLong("forwarder-path"), help: ArgumentHelp("""
        The vale-switchd executable valed starts in spawn mode (default: vale-switchd beside valed's own executable, else in $PATH).
        """, valueName: "path"))
    public var forwarderPath: String?

    /// Where vale-switchd is and who starts it, from the flags above.
    public var forwarderSettings: ForwarderSettings {
        ForwarderSettings(mode: forwarder, socket: forwarderSocket, stateFile: forwarderState, executable: forwarderPath)
    }

    /// Test-only fault switch: SIGUSR1 wedges the engine (it stops answering),
    /// so tests can prove that the systemd watchdog restarts a stuck valed.
    @Flag(name: .customLong("test-wedge-on-sigusr1"), help: .private)
    public var wedgeOnSIGUSR1 = false

    /// Test-only: every apply and reload waits this many seconds holding the
    /// engine's lock (as a driver swap does), so tests can prove that the
    /// watchdog outlives a long operation. Never use in production.
    @Option(name: .customLong("test-delay-apply"), help: .private)
    public var testApplyDelaySeconds: Double?

    public init() {}
}

extension DatapathChoice: ExpressibleByArgument {}
extension ForwarderMode: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
