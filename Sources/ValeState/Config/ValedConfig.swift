/// The configuration file (/etc/valed/valed.yaml) after parsing and
/// validation. Its schema is documented in docs/config.md.
public struct ValedConfig: Equatable, Sendable {
    public var datapath: DatapathChoice = .auto
    public var module = ModuleConfig()
    /// Defaults for every NIC valed attaches; ports may override them.
    public var nicDefaults = NICSettings.defaults
    public var userspace = UserspaceConfig()
    /// The Prometheus endpoint (`metrics:`); off unless an address is given.
    public var metrics = MetricsConfig()
    /// Switches, attachments and persistent ports the file names (owner: config).
    public var desired = DesiredState()

    public init() {}
}

/// Which datapath runs the switches.
public enum DatapathChoice: String, Codable, Sendable, CaseIterable {
    /// The kernel's VALE when /dev/netmap exists, else the userspace switch.
    case auto
    /// netmap's VALE switch through /dev/netmap; refuses to start without it.
    case kernel
    /// valed's own learning switch over AF_PACKET and TAP.
    case userspace
}

/// The netmap kernel module and its parameters (NETMAP-API.md section 6).
public struct ModuleConfig: Equatable, Sendable {
    /// Load the module when it is absent (kernel datapath).
    public var load = true
    /// Module name; some installs build netmap as `netmap_lin`.
    public var name = "netmap"
    /// Load-time options (e.g. max_bridges), passed as modprobe would.
    public var options: [String: String] = [:]
    /// Run-time writable parameters set in /sys/module/<name>/parameters.
    public var parameters: [String: String] = [:]
    /// Directory holding netmap-patched NIC drivers for `driver: native`.
    public var nativeDriverDirectory: String?

    public init() {}
}

/// Settings of the userspace datapath's learning switch.
public struct UserspaceConfig: Equatable, Sendable {
    /// MAC table entries per switch (VALE: 1024).
    public var macTableSize = 1024
    /// Seconds after which an unused MAC entry is forgotten.
    public var macAgingSeconds = 300
    /// Receive ring per port in MiB (4 blocks of 256 KiB each).
    public var ringMiB = 16

    public init() {}
}

/// `metrics:` — where valed serves /metrics (docs/config.md).
public struct MetricsConfig: Equatable, Sendable {
    /// `host:port`; nil: no metrics endpoint.
    public var address: String?
    /// Serve on a non-loopback address (refused otherwise).
    public var allowRemote = false

    public init(address: String? = nil, allowRemote: Bool = false) {
        self.address = address
        self.allowRemote = allowRemote
    }
}
