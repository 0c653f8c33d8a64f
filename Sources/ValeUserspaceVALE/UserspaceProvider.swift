import Logging
import ValeDatapath
import ValeState

extension UserspaceDatapath {
    /// The userspace switches as a provider: vale-switchd found or started
    /// (`settings`), the datapath that drives it, its monitors, and the
    /// process itself for `valectl status` and teardown. No pipes: netmap
    /// pipes do not exist here. Throws `DatapathError` when no vale-switchd
    /// answers and none can be started.
    public static func provider(configuration: UserspaceConfig, forwarder settings: ForwarderSettings, reason: String,
                                logger: Logger = Logger(label: "valed.forwarder")) throws -> DatapathProvider {
        let supervisor = ForwarderSupervisor(settings: settings, logger: logger)
        try supervisor.start()
        let datapath = UserspaceDatapath(forwarder: supervisor, configuration: configuration, reason: reason)
        return DatapathProvider(datapath: datapath, monitors: UserspaceMonitor(forwarder: supervisor), forwarder: supervisor)
    }
}
