import Foundation
import SystemCallSeam
@testable import ValeLink

/// A NetlinkSession that keeps links and features in memory, records every
/// call, and fails a chosen call with a chosen errno: the unit-test side of
/// the seam.
final class RecordingSession: NetlinkSession, @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [String] = []
    private var linksByName: [String: LinkInfo] = [:]
    private var featuresByName: [String: FeatureTable] = [:]
    private var pauseByName: [String: PauseSettings] = [:]
    /// Call name ("changeFlags", "setFeatures", "setPause"…) → the failure it throws.
    private var failures: [String: NetlinkFailure] = [:]

    var calls: [String] { lock.withLock { _calls } }

    func add(_ link: LinkInfo, features: FeatureTable = FeatureTable(), pause: PauseSettings? = nil) {
        lock.withLock {
            linksByName[link.name] = link
            featuresByName[link.name] = features
            pauseByName[link.name] = pause
        }
    }

    func fail(_ call: String, errno: Int32, kernelMessage: String? = nil) {
        lock.withLock { failures[call] = NetlinkFailure(errno: Errno(rawValue: errno), request: call, kernelMessage: kernelMessage) }
    }

    func current(_ name: String) -> (link: LinkInfo?, features: FeatureTable?, pause: PauseSettings?) {
        lock.withLock { (linksByName[name], featuresByName[name], pauseByName[name]) }
    }

    private func record(_ call: String) throws(NetlinkFailure) {
        let failure: NetlinkFailure? = lock.withLock {
            _calls.append(call)
            return failures[String(call.prefix { $0 != " " })]
        }
        if let failure { throw failure }
    }

    func link(named name: String) throws(NetlinkFailure) -> LinkInfo {
        try record("link \(name)")
        guard let link = lock.withLock({ linksByName[name] }) else {
            throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK")
        }
        return link
    }

    func link(index: Int32, netnsid: Int32?) throws(NetlinkFailure) -> LinkInfo {
        try record("linkIndex \(index)")
        guard let link = lock.withLock({ linksByName.values.first { $0.ifindex == index } }) else {
            throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK")
        }
        return link
    }

    func links() throws(NetlinkFailure) -> [LinkInfo] {
        try record("links")
        return lock.withLock { Array(linksByName.values) }
    }

    func changeFlags(index: Int32, set: UInt32, clear: UInt32) throws(NetlinkFailure) {
        try record("changeFlags \(index) set=\(set) clear=\(clear)")
        lock.withLock {
            guard let name = linksByName.first(where: { $0.value.ifindex == index })?.key else { return }
            linksByName[name]!.flags = (linksByName[name]!.flags | set) & ~clear
        }
    }

    func features(of name: String) throws(NetlinkFailure) -> FeatureTable {
        try record("features \(name)")
        guard let table = lock.withLock({ featuresByName[name] }) else {
            throw NetlinkFailure(errno: .noSuchDevice, request: "ETHTOOL_MSG_FEATURES_GET")
        }
        return table
    }

    func setFeatures(of name: String, _ wanted: [String: Bool]) throws(NetlinkFailure) {
        try record("setFeatures \(name) \(wanted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
        lock.withLock {
            for (feature, value) in wanted {
                guard var state = featuresByName[name]?.features[feature], !state.fixed else { continue }
                state.wanted = value
                state.active = value
                featuresByName[name]?.features[feature] = state
            }
        }
    }

    func pause(of name: String) throws(NetlinkFailure) -> PauseSettings {
        try record("pause \(name)")
        guard let pause = lock.withLock({ pauseByName[name] }) else {
            throw NetlinkFailure(errno: .notSupported, request: "ETHTOOL_MSG_PAUSE_GET")
        }
        return pause
    }

    func setPause(of name: String, _ settings: PauseSettings) throws(NetlinkFailure) {
        try record("setPause \(name)")
        lock.withLock { pauseByName[name] = settings }
    }

    func driverInfo(of name: String) throws(NetlinkFailure) -> DriverInfo {
        try record("driverInfo \(name)")
        return DriverInfo(driver: "fake")
    }

    func namespaceName(nsid: Int32) throws(NetlinkFailure) -> String? {
        try record("namespaceName \(nsid)")
        return nil
    }

    func waitForLowerUp(named name: String, timeout: Duration) throws(NetlinkFailure) -> Bool {
        try record("waitForLowerUp \(name)")
        return lock.withLock { linksByName[name]?.isLowerUp ?? false }
    }
}
