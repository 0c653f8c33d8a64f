import Logging
import ValeDatapath
import ValeState

extension UserspaceDatapath {
    /// The userspace switches as a provider: vale-switchd found or started
    /// (`settings`), the datapath that drives it, its monitors, and the
    /// process itself for `valectl status` and teardown. No pipes: netmap
    /// pipes do not exist here. When no vale-switchd answers and none can
    /// be started, the datapath reports why (`unavailability()`).
    public static func provider(configuration: UserspaceConfig, forwarder settings: ForwarderSettings, reason: String,
                                logger: Logger = Logger(label: "valed.forwarder")) -> DatapathProvider {
        let supervisor = ForwarderSupervisor(settings: settings, logger: logger)
        supervisor.start()
        let datapath = UserspaceDatapath(forwarder: supervisor, configuration: configuration, reason: reason)
        return DatapathProvider(datapath: datapath, monitors: UserspaceMonitor(forwarder: supervisor), forwarder: supervisor)
    }
}
