import Foundation
import Testing
import TestSupport
@testable import ValeLink

/// prepare/restore against the real kernel, every setting verified through a
/// second path: `ip -d link show` for flags and promiscuity, `ethtool -k`
/// per-feature lines (never the aggregate "tx-checksumming:",
/// "scatter-gather:", "tcp-segmentation-offload:" lines).
@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and network namespaces"))
struct PrepareRestoreTests {
    /// Per-feature `ethtool -k` lines and the kernel features they show.
    static let offLines = [
        "rx-checksumming",              // rx-checksum
        "tx-checksum-ip-generic",
        "tx-checksum-sctp",
        "tx-scatter-gather",
        "tx-scatter-gather-fraglist",
        "tx-tcp-segmentation",
        "tx-tcp-ecn-segmentation",
        "tx-tcp-mangleid-segmentation",
        "tx-tcp6-segmentation",
        "generic-segmentation-offload", // tx-generic-segmentation
        "generic-receive-offload",      // rx-gro
        "rx-vlan-offload",              // rx-vlan-hw-parse
        "rx-vlan-stag-hw-parse",
    ]

    /// A veth starts admin down, not promiscuous, with GRO turned on by the
    /// admin, so prepare has something to change on every line.
    static func preparedFixture() throws -> VethFixture {
        let fixture = try VethFixture()
        try fixture.namespace.run(["ip", "link", "set", fixture.a, "down"])
        try fixture.namespace.run(["ethtool", "-K", fixture.a, "gro", "on"])
        return fixture
    }

    @Test func prepareAppliesTheDefaultsAndRestorePutsEverythingBack() throws {
        let fixture = try Self.preparedFixture()
        defer { fixture.delete() }
        let linkBefore = try fixture.ipLink(fixture.a)
        let featuresBefore = try fixture.ethtoolFeatures(fixture.a)
        #expect(!linkBefore.flags.contains("UP"))
        #expect(featuresBefore.isOn("generic-receive-offload") == true)

        let saved = try fixture.manager.prepare(fixture.a, policy: .default)

        let link = try fixture.ipLink(fixture.a)
        #expect(link.flags.contains("UP"))
        #expect(link.flags.contains("PROMISC"))
        #expect(link.promiscuity == linkBefore.promiscuity + 1)
        let features = try fixture.ethtoolFeatures(fixture.a)
        for line in Self.offLines {
            #expect(features.isOn(line) == false, "\(line) should be off after prepare")
        }
        // What was saved is exactly what changed.
        #expect(saved.wasUp == false)
        #expect(saved.wasPromiscuous == false)
        #expect(saved.features["rx-gro"] == true)
        #expect(saved.features["rx-checksum"] == true)
        #expect(saved.features["tx-lro"] == nil)
        #expect(saved.features["rx-lro"] == nil)   // fixed off on veth: left alone, no warning
        #expect(saved.features.values.allSatisfy { $0 })

        try fixture.manager.restore(fixture.a, from: saved)
        let linkAfter = try fixture.ipLink(fixture.a)
        let featuresAfter = try fixture.ethtoolFeatures(fixture.a)
        #expect(linkAfter == linkBefore, "ip -d link after restore: \(linkAfter)")
        #expect(featuresAfter == featuresBefore, "ethtool -k differs: \(featuresAfter.differences(from: featuresBefore))")

        // A second restore finds nothing to do and changes nothing.
        try fixture.manager.restore(fixture.a, from: saved)
        #expect(try fixture.ipLink(fixture.a) == linkBefore)
        #expect(try fixture.ethtoolFeatures(fixture.a) == featuresBefore)
    }

    @Test func restoreWorksAfterASimulatedDaemonRestart() throws {
        let fixture = try Self.preparedFixture()
        defer { fixture.delete() }
        let linkBefore = try fixture.ipLink(fixture.a)
        let featuresBefore = try fixture.ethtoolFeatures(fixture.a)

        let json = try JSONEncoder().encode(try fixture.manager.prepare(fixture.a))
        #expect(try fixture.ethtoolFeatures(fixture.a).isOn("tx-tcp-segmentation") == false)

        // The daemon restarts: a new manager, the state read back from disk.
        let restarted = try fixture.namespace.perform { try LinkManager() }
        let saved = try JSONDecoder().decode(SavedNICState.self, from: json)
        try restarted.restore(fixture.a, from: saved)

        #expect(try fixture.ipLink(fixture.a) == linkBefore)
        let featuresAfter = try fixture.ethtoolFeatures(fixture.a)
        #expect(featuresAfter == featuresBefore, "ethtool -k differs: \(featuresAfter.differences(from: featuresBefore))")
    }

    @Test func settingsAlreadyInPlaceAreNeitherChangedNorSaved() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        // The admin already made it promiscuous: restore must leave it so.
        try fixture.namespace.run(["ip", "link", "set", fixture.a, "promisc", "on"])
        let saved = try fixture.manager.prepare(fixture.a)
        #expect(saved.wasUp == nil)
        #expect(saved.wasPromiscuous == nil)
        #expect(saved.features["rx-gro"] == nil)   // veth has GRO off already
        try fixture.manager.restore(fixture.a, from: saved)
        let link = try fixture.ipLink(fixture.a)
        #expect(link.flags.contains("PROMISC"))
        #expect(link.promiscuity == 1)
    }

    @Test func perPortOverridesLeaveFeaturesAlone() throws {
        let fixture = try Self.preparedFixture()
        defer { fixture.delete() }
        var overrides = NICPolicyOverrides()
        overrides.genericReceive = .unchanged
        overrides.promiscuous = .unchanged
        overrides.extraFeatures = ["tx-nocache-copy": .on]
        let policy = NICPolicy.default.applying(overrides)
        let saved = try fixture.manager.prepare(fixture.a, policy: policy)
        let features = try fixture.ethtoolFeatures(fixture.a)
        #expect(features.isOn("generic-receive-offload") == true)
        #expect(features.isOn("tx-nocache-copy") == true)
        #expect(features.isOn("tx-tcp-segmentation") == false)
        #expect(!(try fixture.ipLink(fixture.a).flags.contains("PROMISC")))
        #expect(saved.features["rx-gro"] == nil)
        #expect(saved.features["tx-nocache-copy"] == false)
        try fixture.manager.restore(fixture.a, from: saved)
        #expect(try fixture.ethtoolFeatures(fixture.a).isOn("tx-nocache-copy") == false)
    }

    @Test func fixedFeatureIsReportedNotFatal() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let before = try fixture.ethtoolFeatures(fixture.a)
        #expect(before.lines["large-receive-offload"]?.fixed == true)

        var policy = NICPolicy.unchanged
        policy.largeReceive = .on
        let saved = try fixture.manager.prepare(fixture.a, policy: policy)
        #expect(saved.warnings.contains("\(fixture.a): feature rx-lro is fixed off by the driver"))
        #expect(saved.isEmpty)

        do {
            try fixture.manager.setFeatures(fixture.a, ["rx-lro": true])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .featureFixed)
            #expect(error.message == "\(fixture.a): feature rx-lro is fixed by the driver")
        }
        do {
            try fixture.manager.setFeatures(fixture.a, ["rx-no-such-thing": false])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownFeature)
            #expect(error.message == "\(fixture.a): the kernel has no feature named rx-no-such-thing")
        }
        #expect(try fixture.ethtoolFeatures(fixture.a) == before)
    }

    @Test func featureTableMatchesEthtool() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let table = try fixture.manager.features(of: fixture.a)
        let view = try fixture.ethtoolFeatures(fixture.a)
        // Lines where ethtool prints the kernel name itself.
        for name in ["tx-checksum-ip-generic", "tx-tcp-segmentation", "tx-scatter-gather", "rx-gro-hw",
                     "tx-nocache-copy", "rx-vlan-stag-hw-parse", "tx-checksum-ipv4"] {
            let state = try #require(table[name], "\(name) missing")
            #expect(state.active == view.lines[name]?.on, "\(name)")
            #expect(state.fixed == view.lines[name]?.fixed, "\(name)")
        }
        #expect(table["rx-checksum"]?.active == view.isOn("rx-checksumming"))
        #expect(table["rx-lro"]?.fixed == true)
    }

    @Test func pauseFramesOnVethAreNotSupported() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        // Second path: ethtool itself gets EOPNOTSUPP.
        let ethtool = try fixture.namespace.run(["ethtool", "-a", fixture.a], check: false)
        #expect(!ethtool.succeeded)
        do {
            _ = try fixture.manager.pause(of: fixture.a)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notSupported)
            #expect(error.message == "\(fixture.a): pause frame settings are not supported by the driver (EOPNOTSUPP)")
        }
        var policy = NICPolicy.default
        policy.pauseFrames = .off
        let saved = try fixture.manager.prepare(fixture.a, policy: policy)
        #expect(saved.pause == nil)
        #expect(saved.warnings.contains("\(fixture.a): pause frame settings are not supported by the driver"))
        try fixture.manager.restore(fixture.a, from: saved)
    }

    @Test func promiscuityCountIsSymmetricalWithReassert() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let before = try fixture.ipLink(fixture.a).promiscuity
        let saved = try fixture.manager.prepare(fixture.a)
        try fixture.manager.reassertPromiscuous(fixture.a)
        try fixture.manager.reassertPromiscuous(fixture.a)
        #expect(try fixture.ipLink(fixture.a).promiscuity == before + 1)
        try fixture.manager.restore(fixture.a, from: saved)
        #expect(try fixture.ipLink(fixture.a).promiscuity == before)
    }

    @Test func mtuWarningNamesTheSizes() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        #expect(try fixture.manager.mtuWarning(fixture.a, bufferSize: 2048) == nil)
        try fixture.namespace.run(["ip", "link", "set", fixture.a, "mtu", "9000"])
        let warning = try #require(try fixture.manager.mtuWarning(fixture.a, bufferSize: 2048))
        #expect(warning.hasPrefix("\(fixture.a): MTU 9000 allows frames of 9018 bytes, more than the netmap buffer size of 2048 bytes"))
        #expect(try fixture.manager.mtuWarning(fixture.a, bufferSize: 16384) == nil)
    }
}
