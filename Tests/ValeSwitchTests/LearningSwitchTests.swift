import Testing
import Synchronization
@testable import ValeSwitch

/// A clock the test moves by hand.
final class FakeClock: SwitchClock {
    private let now = Atomic<UInt64>(1_000_000_000)
    func nanoseconds() -> UInt64 { now.load(ordering: .relaxed) }
    func advance(seconds: UInt64) { now.add(seconds * 1_000_000_000, ordering: .relaxed) }
}

let macA = MACAddress([0x02, 0, 0, 0, 0, 0xA])
let macB = MACAddress([0x02, 0, 0, 0, 0, 0xB])
let macC = MACAddress([0x02, 0, 0, 0, 0, 0xC])

/// An Ethernet frame of `size` bytes from `source` to `destination`.
func frame(to destination: MACAddress, from source: MACAddress, size: Int = 60) -> [UInt8] {
    var bytes = destination.octets + source.octets + [0x08, 0x00]
    bytes += [UInt8](repeating: 0xEE, count: max(0, size - bytes.count))
    return bytes
}

func makeSwitch(ports: Int = 3, clock: FakeClock = FakeClock(),
                configuration: SwitchConfiguration = SwitchConfiguration()) -> LearningSwitch {
    var sw = LearningSwitch(configuration: configuration, clock: clock)
    for i in 0..<ports { sw.addPort(i) }
    return sw
}

@Suite("Learning switch core")
struct LearningSwitchTests {
    @Test func unknownUnicastFloodsToEveryOtherPort() {
        var sw = makeSwitch(ports: 4)
        #expect(sw.forward(frame(to: macB, from: macA), from: 1) == [0, 2, 3])
    }

    @Test func broadcastAndMulticastFloodEvenWhenDestinationIsKnownLooking() {
        var sw = makeSwitch()
        _ = sw.forward(frame(to: macA, from: macB), from: 1)
        #expect(sw.forward(frame(to: .broadcast, from: macA), from: 0) == [1, 2])
        let multicast = MACAddress([0x01, 0x00, 0x5E, 0, 0, 1])
        #expect(sw.forward(frame(to: multicast, from: macA), from: 0) == [1, 2])
    }

    @Test func knownUnicastGoesToExactlyOnePort() {
        var sw = makeSwitch(ports: 4)
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 2)
        #expect(sw.lookup(macB)?.port == 2)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [2])
        // A's reply side is learned too.
        #expect(sw.forward(frame(to: macA, from: macB), from: 2) == [0])
    }

    @Test func neverReflectsAFrameToItsSourcePort() {
        var sw = makeSwitch()
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        // B is known on port 1; a frame for B arriving on port 1 goes nowhere.
        #expect(sw.forward(frame(to: macB, from: macC), from: 1) == [])
        // Flooding never includes the source either.
        #expect(!sw.forward(frame(to: .broadcast, from: macC), from: 1).contains(1))
    }

    @Test func aMovedAddressIsRelearned() {
        var sw = makeSwitch()
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1])
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 2)
        #expect(sw.lookup(macB)?.port == 2)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [2])
    }

    @Test func entriesAgeOutWithTheClock() {
        let clock = FakeClock()
        var sw = makeSwitch(clock: clock, configuration: SwitchConfiguration(agingSeconds: 300))
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        clock.advance(seconds: 299)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1])
        clock.advance(seconds: 2)
        #expect(sw.lookup(macB) == nil)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1, 2])
    }

    @Test func beingSeenAsSourceKeepsAnEntryAlive() {
        let clock = FakeClock()
        var sw = makeSwitch(clock: clock, configuration: SwitchConfiguration(agingSeconds: 10))
        for _ in 0..<5 {
            _ = sw.forward(frame(to: macA, from: macB), from: 1)
            clock.advance(seconds: 6)
        }
        _ = sw.forward(frame(to: macA, from: macB), from: 1)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1])
    }

    @Test func agingZeroMeansNeverForget() {
        let clock = FakeClock()
        var sw = makeSwitch(clock: clock, configuration: SwitchConfiguration(agingSeconds: 0))
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        clock.advance(seconds: 1_000_000)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1])
    }

    @Test func fullTableKeepsLiveEntriesAndFloodsForNewAddresses() {
        let clock = FakeClock()
        var sw = makeSwitch(clock: clock, configuration: SwitchConfiguration(tableSize: 2, agingSeconds: 60))
        _ = sw.forward(frame(to: .broadcast, from: macA), from: 0)
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        _ = sw.forward(frame(to: .broadcast, from: macC), from: 2)
        #expect(sw.learnedCount == 2)
        #expect(sw.learningFailures == 1)
        #expect(sw.lookup(macC) == nil)
        // C was not learned: frames to C still reach it by flooding.
        #expect(sw.forward(frame(to: macC, from: macA), from: 0) == [1, 2])
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [1])
        // Once old entries age, a new address finds room.
        clock.advance(seconds: 120)
        _ = sw.forward(frame(to: .broadcast, from: macC), from: 2)
        #expect(sw.lookup(macC)?.port == 2)
    }

    @Test func framesLargerThanTheDestinationsMaxFrameAreCountedAsDrops() {
        var sw = LearningSwitch(configuration: SwitchConfiguration(), clock: FakeClock())
        let stats = (0..<3).map { _ in PortStatistics() }
        sw.addPort(0, statistics: stats[0])
        sw.addPort(1, maxFrameSize: 1514, statistics: stats[1])
        sw.addPort(2, maxFrameSize: 9014, statistics: stats[2])
        #expect(sw.forward(frame(to: .broadcast, from: macA, size: 1514), from: 0) == [1, 2])
        #expect(sw.forward(frame(to: .broadcast, from: macA, size: 1515), from: 0) == [2])
        #expect(stats[1].snapshot.txDrops == 1)
        #expect(stats[1].snapshot.txPackets == 1)
        #expect(stats[2].snapshot.txPackets == 2)
        #expect(stats[0].snapshot.rxPackets == 2)
        #expect(stats[0].snapshot.rxBytes == 1514 + 1515)
    }

    @Test func countersFollowTraffic() {
        var sw = LearningSwitch(configuration: SwitchConfiguration(), clock: FakeClock())
        let stats = (0..<2).map { _ in PortStatistics() }
        sw.addPort(0, statistics: stats[0])
        sw.addPort(1, statistics: stats[1])
        // A refused send counts as the destination's drop.
        let bytes = frame(to: macB, from: macA, size: 100)
        bytes.withUnsafeBytes { _ = sw.forward($0, from: 0) { _ in false } }
        bytes.withUnsafeBytes { _ = sw.forward($0, from: 0) { _ in true } }
        // A runt is the source's drop.
        [UInt8](repeating: 0, count: 10).withUnsafeBytes { _ = sw.forward($0, from: 0) { _ in true } }
        #expect(stats[0].snapshot == {
            var c = PortCounters(); c.rxPackets = 2; c.rxBytes = 200; c.rxDrops = 1; return c
        }())
        #expect(stats[1].snapshot.txPackets == 1)
        #expect(stats[1].snapshot.txBytes == 100)
        #expect(stats[1].snapshot.txDrops == 1)
        #expect(stats[1].snapshot.drops == 1)
    }

    @Test func removingAPortForgetsItsAddresses() {
        var sw = makeSwitch()
        _ = sw.forward(frame(to: .broadcast, from: macB), from: 1)
        sw.removePort(1)
        #expect(sw.lookup(macB) == nil)
        #expect(sw.forward(frame(to: macB, from: macA), from: 0) == [2])
        #expect(sw.freePortIndex == 1)
    }

    @Test func multicastSourcesAreNotLearned() {
        var sw = makeSwitch()
        let group = MACAddress([0x03, 0, 0, 0, 0, 1])
        _ = sw.forward(frame(to: .broadcast, from: group), from: 1)
        #expect(sw.learnedCount == 0)
    }

    @Test func macAddressFormatting() {
        #expect(MACAddress([0x02, 0xAB, 0, 0x10, 0xFF, 0x0A]).description == "02:ab:00:10:ff:0a")
        #expect(MACAddress.broadcast.isMulticast)
        #expect(!macA.isMulticast)
    }
}
