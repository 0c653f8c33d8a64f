import ValeDatapath
import ValeState

extension UserspaceDatapath {
    /// valed's own switches as a provider: the datapath and its monitors
    /// (the switch's mirror hook). No pipes: netmap pipes do not exist here.
    public static func provider(configuration: UserspaceConfig, reason: String) -> DatapathProvider {
        let datapath = UserspaceDatapath(configuration: configuration, reason: reason)
        return DatapathProvider(datapath: datapath, monitors: UserspaceMonitor(host: datapath.switchHost))
    }
}
