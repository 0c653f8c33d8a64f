import Foundation
import SystemCallSeam
import Testing
@testable import ValeLink

/// LinkManager over a recording session: the order of reads and writes,
/// rollback when the kernel refuses, and the sentences errors become.
struct SeamTests {
    static func nic(_ session: RecordingSession, name: String = "eth1") {
        session.add(LinkInfo(ifindex: 7, name: name, flags: 0),
                    features: FeatureTable([
                        "rx-checksum": .init(active: true, wanted: true, fixed: false),
                        "tx-checksum-ip-generic": .init(active: true, wanted: true, fixed: false),
                        "tx-tcp-segmentation": .init(active: true, wanted: true, fixed: false),
                        "rx-gro": .init(active: true, wanted: true, fixed: false),
                        "rx-lro": .init(active: true, wanted: true, fixed: true),
                        "rx-vlan-hw-parse": .init(active: false, wanted: false, fixed: false),
                    ]),
                    pause: PauseSettings(autoneg: true, rx: true, tx: true))
    }

    @Test func prepareReadsEverythingBeforeChangingAnything() throws {
        let session = RecordingSession()
        Self.nic(session)
        var policy = NICPolicy.default
        policy.pauseFrames = .off
        let saved = try LinkManager(session: session).prepare("eth1", policy: policy)
        let calls = session.calls
        let firstWrite = try #require(calls.firstIndex { $0.hasPrefix("set") || $0.hasPrefix("change") })
        let lastRead = try #require(calls.lastIndex { $0.hasPrefix("pause") || $0.hasPrefix("features") || $0.hasPrefix("link ") },
                                    "calls: \(calls)")
        // The only read after the first write is the verification of features.
        #expect(calls[..<firstWrite].contains("features eth1"))
        #expect(calls[..<firstWrite].contains("pause eth1"))
        #expect(lastRead > firstWrite)
        #expect(calls.contains("setFeatures eth1 rx-checksum=false,rx-gro=false,tx-checksum-ip-generic=false,tx-tcp-segmentation=false"))
        #expect(calls.contains("setPause eth1"))
        #expect(calls.contains("changeFlags 7 set=256 clear=0"))
        #expect(calls.contains("changeFlags 7 set=1 clear=0"))
        #expect(saved.features == ["rx-checksum": true, "rx-gro": true, "tx-checksum-ip-generic": true, "tx-tcp-segmentation": true])
        #expect(saved.pause == PauseSettings(autoneg: true, rx: true, tx: true))
        #expect(saved.wasUp == false && saved.wasPromiscuous == false)
        #expect(saved.warnings == ["eth1: feature rx-lro is fixed on by the driver"])
        #expect(session.current("eth1").pause == .off)
    }

    @Test func aRefusedChangeIsRolledBack() throws {
        let session = RecordingSession()
        Self.nic(session)
        let before = session.current("eth1")
        session.fail("changeFlags", errno: EPERM)
        do {
            _ = try LinkManager(session: session).prepare("eth1")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .permissionDenied)
            #expect(error.message == "eth1: cannot prepare it for netmap: permission denied, CAP_NET_ADMIN is needed (EPERM); the settings already changed were put back")
        }
        #expect(session.current("eth1").features == before.features)
        #expect(session.current("eth1").link == before.link)
    }

    @Test func restoreTriesEverythingAndListsWhatFailed() throws {
        let session = RecordingSession()
        Self.nic(session)
        let manager = LinkManager(session: session)
        let saved = try manager.prepare("eth1")
        session.fail("setFeatures", errno: EINVAL, kernelMessage: "unrecognized bit name")
        do {
            try manager.restore("eth1", from: saved)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .restoreIncomplete)
            #expect(error.message == "eth1: could not restore features rx-checksum, rx-gro, tx-checksum-ip-generic, tx-tcp-segmentation: invalid argument (EINVAL: unrecognized bit name)")
        }
        // Flags were still put back.
        #expect(session.current("eth1").link?.flags == 0)
    }

    @Test func restoreOnlyTouchesWhatWasSaved() throws {
        let session = RecordingSession()
        Self.nic(session)
        session.add(LinkInfo(ifindex: 7, name: "eth1", flags: LinkFlag.up | LinkFlag.promiscuous),
                    features: session.current("eth1").features!)
        let saved = SavedNICState(interface: "eth1", ifindex: 7, features: ["rx-gro": false])
        try LinkManager(session: session).restore("eth1", from: saved)
        #expect(session.calls.filter { $0.hasPrefix("set") || $0.hasPrefix("change") } == ["setFeatures eth1 rx-gro=false"])
        #expect(session.current("eth1").link?.flags == LinkFlag.up | LinkFlag.promiscuous)
    }

    @Test func kernelErrorsBecomeSentences() {
        let failure = { (errno: Int32, message: String?) in NetlinkFailure(errno: errno == 0 ? nil : Errno(rawValue: errno), request: "RTM_NEWLINK", kernelMessage: message) }
        #expect(LinkError.from(failure(ENODEV, nil), interface: "eth9", action: "x").message == "no interface named eth9")
        #expect(LinkError.from(failure(EOPNOTSUPP, nil), interface: "eth0", action: "change offload features").message
                == "eth0: cannot change offload features: not supported by the driver (EOPNOTSUPP)")
        #expect(LinkError.from(failure(EBUSY, "device busy"), interface: "eth0", action: "bring the link up").message
                == "eth0: cannot bring the link up: device or resource busy (EBUSY: device busy)")
        #expect(LinkError.from(failure(EINVAL, nil), interface: "eth0", action: "set the MTU").code == .invalidArgument)
    }

    @Test func unsupportedPauseIsASentence() {
        let session = RecordingSession()
        session.add(LinkInfo(ifindex: 3, name: "veth0", flags: 1))
        #expect(throws: LinkError(.notSupported, interface: "veth0", errno: .notSupported,
                                  message: "veth0: pause frame settings are not supported by the driver (EOPNOTSUPP)")) {
            try LinkManager(session: session).pause(of: "veth0")
        }
    }
}

/// The monitor's table: how notifications become events.
struct LinkTableTests {
    static func link(_ index: Int32, _ name: String, flags: UInt32 = 0, carrier: Bool = false) -> LinkInfo {
        LinkInfo(ifindex: index, name: name, flags: flags, carrier: carrier)
    }

    @Test func removalAndRecreationUnderTheSameNameAreTwoEvents() {
        var table = LinkTable([Self.link(4, "eth1")])
        #expect(table.apply(deleted: true, Self.link(4, "eth1")) == [.removed(Self.link(4, "eth1"))])
        #expect(table.apply(deleted: false, Self.link(9, "eth1")) == [.added(Self.link(9, "eth1"))])
        #expect(table.links.keys.sorted() == [9])
    }

    @Test func changesSayWhatChanged() {
        var table = LinkTable([Self.link(4, "eth1", flags: LinkFlag.up | LinkFlag.promiscuous)])
        let events = table.apply(deleted: false, Self.link(4, "eth1", flags: LinkFlag.up | LinkFlag.lowerUp, carrier: true))
        #expect(events == [.changed(Self.link(4, "eth1", flags: LinkFlag.up | LinkFlag.lowerUp, carrier: true),
                                    [.promiscuous, .carrier])])
        // The same state again is not an event.
        #expect(table.apply(deleted: false, Self.link(4, "eth1", flags: LinkFlag.up | LinkFlag.lowerUp, carrier: true)) == [])
    }

    @Test func resynchronisingAfterLostNotificationsReportsTheDifference() {
        var table = LinkTable([Self.link(4, "eth1"), Self.link(5, "eth2")])
        let events = table.resynchronize([Self.link(5, "eth2", flags: LinkFlag.up), Self.link(11, "eth1")])
        #expect(events == [.removed(Self.link(4, "eth1")), .added(Self.link(11, "eth1")),
                           .changed(Self.link(5, "eth2", flags: LinkFlag.up), [.adminState])])
    }
}

/// NICPolicy and SavedNICState as the daemon stores and reads them.
struct PolicyCodingTests {
    @Test func missingKeysTakeTheDefaults() throws {
        let empty = try JSONDecoder().decode(NICPolicy.self, from: Data("{}".utf8))
        #expect(empty == .default)
        let partial = try JSONDecoder().decode(NICPolicy.self, from: Data(#"{"genericReceive":"unchanged","pauseFrames":"off"}"#.utf8))
        #expect(partial.genericReceive == .unchanged)
        #expect(partial.pauseFrames == .off)
        #expect(partial.tcpSegmentation == .off)
        #expect(partial.promiscuous == .on)
    }

    @Test func defaultsTurnOffloadsOffAndLeaveTheRestAlone() {
        let targets = NICPolicy.default.featureTargets
        for name in ["rx-checksum", "tx-checksum-ip-generic", "tx-scatter-gather", "tx-generic-segmentation",
                     "tx-tcp-segmentation", "tx-tcp6-segmentation", "rx-gro", "rx-lro", "rx-vlan-hw-parse"] {
            #expect(targets[name] == false, "\(name)")
        }
        #expect(targets["tx-vlan-hw-insert"] == nil)
        #expect(NICPolicy.default.pauseFrames == .unchanged)
        #expect(NICPolicy.unchanged.featureTargets.isEmpty)
    }

    @Test func overridesReplaceOnlyWhatTheyName() throws {
        let overrides = try JSONDecoder().decode(NICPolicyOverrides.self,
                                                 from: Data(#"{"largeReceive":"unchanged","extraFeatures":{"rx-gro-list":"off"}}"#.utf8))
        let policy = NICPolicy.default.applying(overrides)
        #expect(policy.largeReceive == .unchanged)
        #expect(policy.genericReceive == .off)
        #expect(policy.featureTargets["rx-lro"] == nil)
        #expect(policy.featureTargets["rx-gro-list"] == false)
    }

    @Test func savedStateRoundTrips() throws {
        let saved = SavedNICState(interface: "eth1", ifindex: 7, wasUp: false, wasPromiscuous: nil,
                                  features: ["rx-gro": true], pause: .off, warnings: ["w"],
                                  preparedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let data = try JSONEncoder().encode(saved)
        #expect(try JSONDecoder().decode(SavedNICState.self, from: data) == saved)
    }

    @Test func aLaterPrepareDoesNotOverwriteTheOriginalValues() {
        let first = SavedNICState(interface: "eth1", ifindex: 7, wasUp: false, wasPromiscuous: false,
                                  features: ["rx-gro": true], warnings: ["old"])
        // The NIC came back as a new device with GRO off but TSO on, and up.
        let second = SavedNICState(interface: "eth1", ifindex: 9, wasPromiscuous: false,
                                   features: ["tx-tcp-segmentation": true], pause: .off, warnings: ["new"])
        let merged = first.merged(with: second)
        #expect(merged.ifindex == 9)
        #expect(merged.wasUp == false)
        #expect(merged.wasPromiscuous == false)
        #expect(merged.features == ["rx-gro": true, "tx-tcp-segmentation": true])
        #expect(merged.pause == .off)
        #expect(merged.warnings == ["new"])
        // Re-preparing an untouched NIC records nothing: the original survives.
        #expect(first.merged(with: SavedNICState(interface: "eth1", ifindex: 7)).features == ["rx-gro": true])
    }

    @Test func mtuWarningCountsHeaderAndTag() {
        let link = LinkInfo(ifindex: 1, name: "eth1", flags: 0, mtu: 2030)
        #expect(LinkManager.mtuWarning(for: link, bufferSize: 2048) == nil)
        var jumbo = link
        jumbo.mtu = 2031
        #expect(LinkManager.mtuWarning(for: jumbo, bufferSize: 2048) != nil)
    }
}
