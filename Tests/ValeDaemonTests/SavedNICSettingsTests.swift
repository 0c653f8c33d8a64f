import Foundation
import Testing
import ValeLink
import ValeProtocol
@testable import ValeNIC
import ValeState

/// Before the target split the store kept ValeLink's `SavedNICState` as an
/// untyped `JSONValue`; the typed `SavedNICSettings` must read those files.
@Suite struct SavedNICSettingsTests {
    /// The state file's layout before the split, with `savedNICs` untyped.
    struct StateBeforeTheSplit: Encodable {
        var format = 1
        var desired = DesiredState()
        var owned = OwnedObjects()
        var savedNICs: [String: JSONValue]
    }

    static let saved = SavedNICState(interface: "eth1", ifindex: 7, wasUp: false, wasPromiscuous: false,
                                     features: ["rx-gro": true, "tx-checksumming": true],
                                     pause: PauseSettings(autoneg: true, rx: true, tx: false),
                                     warnings: ["rx-vlan-hw-parse is fixed on eth1"],
                                     preparedAt: Date(timeIntervalSinceReferenceDate: 800_000_000.25))

    @Test func aStateFileWrittenBeforeTheSplitLoadsItsSavedNICs() throws {
        let old = StateBeforeTheSplit(savedNICs: ["eth1": try JSONValue(encoding: Self.saved)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = try encoder.encode(old)
        let loaded = try JSONDecoder().decode(StoredState.self, from: file)
        let settings = try #require(loaded.savedNICs["eth1"])
        #expect(settings == LinkLayer.settings(Self.saved))
        #expect(LinkLayer.state(settings) == Self.saved, "restore gets back exactly what prepare recorded")
    }

    @Test func theTypedRecordIsStoredWithTheSameKeys() throws {
        let typed = try JSONSerialization.jsonObject(with: JSONEncoder().encode(LinkLayer.settings(Self.saved))) as? [String: Any]
        let untyped = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.saved)) as? [String: Any]
        #expect(typed.map { Set($0.keys) } == untyped.map { Set($0.keys) })
    }
}
