import Foundation
import Testing
import TestSupport
@testable import ValeLink

/// LinkMonitor and waitForCarrier against the real kernel. Waits on events
/// are bounded only so a broken monitor fails instead of hanging the run.
@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and network namespaces"))
struct MonitorAndCarrierTests {
    @Test func promiscuousModeClearedFromOutsideIsAnEvent() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let saved = try fixture.manager.prepare(fixture.a)
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        defer { monitor.stop() }
        let log = EventLog()
        monitor.start { log.append($0) }

        try fixture.namespace.run(["ip", "link", "set", fixture.a, "promisc", "off"])
        let event = log.wait { event in
            if case .changed(let link, let changes) = event {
                return link.name == fixture.a && changes.contains(.promiscuous)
            }
            return false
        }
        guard case .changed(let link, _)? = event else {
            Issue.record("no promiscuous change seen; events: \(log.all)")
            return
        }
        #expect(!link.isPromiscuous)
        // What the engine then does: re-assert, and the monitor sees it come back.
        try fixture.manager.reassertPromiscuous(fixture.a)
        let back = log.wait { event in
            if case .changed(let link, let changes) = event {
                return link.name == fixture.a && changes.contains(.promiscuous) && link.isPromiscuous
            }
            return false
        }
        #expect(back != nil)
        #expect(try fixture.ipLink(fixture.a).promiscuity == 1)
        try fixture.manager.restore(fixture.a, from: saved)
        #expect(try fixture.ipLink(fixture.a).promiscuity == 0)
    }

    @Test func deletedAndRecreatedVethIsRemovedThenAdded() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        defer { monitor.stop() }
        let oldIndex = try fixture.manager.link(named: fixture.a).ifindex
        #expect(monitor.links.contains { $0.name == fixture.a && $0.ifindex == oldIndex })
        let log = EventLog()
        monitor.start { log.append($0) }

        try fixture.namespace.run(["ip", "link", "del", fixture.a])
        try fixture.namespace.run(["ip", "link", "add", fixture.a, "type", "veth", "peer", "name", fixture.b])
        let newIndex = try fixture.manager.link(named: fixture.a).ifindex
        #expect(newIndex != oldIndex)

        let added = log.wait { $0.addedLink?.name == fixture.a }
        #expect(added?.ifindex == newIndex)
        let events = log.all.filter { $0.name == fixture.a }
        let removedAt = events.firstIndex { if case .removed(let l) = $0 { return l.ifindex == oldIndex }; return false }
        let addedAt = events.firstIndex { if case .added(let l) = $0 { return l.ifindex == newIndex }; return false }
        #expect(removedAt != nil, "events: \(events)")
        #expect(addedAt != nil, "events: \(events)")
        if let removedAt, let addedAt { #expect(removedAt < addedAt) }
        #expect(monitor.links.contains { $0.name == fixture.a && $0.ifindex == newIndex })
        #expect(!monitor.links.contains { $0.ifindex == oldIndex })
    }

    @Test func lostNotificationsAreRecoveredByRereadingLinks() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        // A receive buffer too small for more than a notification or two.
        let monitor = try fixture.namespace.perform { try LinkMonitor(receiveBuffer: 1024) }
        defer { monitor.stop() }
        let oldIndex = try fixture.manager.link(named: fixture.a).ifindex
        let log = EventLog()
        let gate = Gate()
        monitor.start { event in
            // Hold the monitor thread on its first event so the socket overflows.
            gate.waitUntilOpen()
            log.append(event)
        }
        try fixture.namespace.run(["ip", "link", "set", fixture.b, "mtu", "1400"])
        try fixture.namespace.run(["ip", "link", "del", fixture.a])
        for _ in 0..<3 {
            try fixture.namespace.run(["ip", "link", "add", uniqueName("vlc"), "type", "veth", "peer", "name", uniqueName("vld")])
        }
        try fixture.namespace.run(["ip", "link", "add", fixture.a, "type", "veth", "peer", "name", fixture.b])
        let newIndex = try fixture.manager.link(named: fixture.a).ifindex
        gate.open()

        let added = log.wait { $0.addedLink?.ifindex == newIndex }
        #expect(added != nil, "events: \(log.all)")
        #expect(monitor.resynchronizations > 0)
        let removed = log.wait { if case .removed(let l) = $0 { return l.ifindex == oldIndex }; return false }
        #expect(removed != nil, "events: \(log.all)")
        #expect(monitor.links.contains { $0.name == fixture.a && $0.ifindex == newIndex })
        #expect(!monitor.links.contains { $0.ifindex == oldIndex }, "links: \(monitor.links.map { "\($0.ifindex) \($0.name)" }) events: \(log.all.map { "\($0)".prefix(60) })")
    }

    @Test func carrierChangesAreEvents() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        defer { monitor.stop() }
        let log = EventLog()
        monitor.start { log.append($0) }
        try fixture.namespace.run(["ip", "link", "set", fixture.b, "down"])
        let lost = log.wait { event in
            if case .changed(let link, let changes) = event {
                return link.name == fixture.a && changes.contains(.carrier) && !link.carrier
            }
            return false
        }
        #expect(lost != nil, "events: \(log.all)")
    }

    @Test func eventStreamDeliversAndStops() async throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        let stream = monitor.events()
        // Bounds the test if no event ever comes: stopping ends the stream.
        let guardTask = Task { try await Task.sleep(for: .seconds(10)); monitor.stop() }
        defer { guardTask.cancel() }
        try fixture.namespace.run(["ip", "link", "set", fixture.a, "mtu", "1400"])
        var seen: LinkEvent?
        for await event in stream {
            if case .changed(let link, let changes) = event, link.name == fixture.a, changes.contains(.mtu) {
                seen = event
                break
            }
        }
        monitor.stop()
        guard case .changed(let link, _)? = seen else {
            Issue.record("no MTU change seen")
            return
        }
        #expect(link.mtu == 1400)
    }

    /// docs/threading.md: ending the stream's consumer runs onTermination on
    /// the canceller's thread (an event loop in valed), which now only asks
    /// the monitor thread to stop instead of waiting in `lock.wait()`. The
    /// thread must still exit: `stop()` (which does wait) returns. Bounded,
    /// so a thread that never exits fails the test instead of hanging it.
    @Test func endingTheStreamStopsTheThreadWithoutTheCancellerWaiting() async throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        let stream = monitor.events()
        let consumer = Task { for await _ in stream {} }
        try await Task.sleep(for: .milliseconds(100))
        consumer.cancel()   // onTermination: requestStop, here, without waiting
        await consumer.value
        let stopped = DispatchSemaphore(value: 0)
        Thread { monitor.stop(); stopped.signal() }.start()
        #expect(stopped.wait(timeout: .now() + 10) == .success, "the monitor thread did not exit after its stream ended")
        #expect(await monitor.events().first { _ in true } == nil, "a stopped monitor hands out finished streams")
    }

    @Test func waitForCarrierSeesThePeerComeUp() async throws {
        let fixture = try VethFixture(peerUp: false)
        defer { fixture.delete() }
        #expect(!(try fixture.manager.link(named: fixture.a).isLowerUp))
        let namespace = fixture.namespace
        let peer = fixture.b
        async let came = fixture.manager.waitForCarrier(fixture.a, timeout: .seconds(20))
        // Bring the peer up once the wait is (very likely) subscribed; if the
        // wait starts later it sees the carrier in its first read instead.
        try await Task.sleep(for: .milliseconds(200))
        try namespace.run(["ip", "link", "set", peer, "up"])
        #expect(try await came)
        #expect(try fixture.ipLink(fixture.a).flags.contains("LOWER_UP"))
    }

    @Test func waitForCarrierInTheProcessNamespaceNeedsNoSetns() async throws {
        // A pair in the test process's own namespace, as valed would see a NIC.
        let a = uniqueName("vlra"), b = uniqueName("vlrb")
        try Shell.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
        defer { _ = try? Shell.run(["ip", "link", "del", a], check: false) }
        try Shell.run(["ip", "link", "set", a, "up"])
        let fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        #expect(LibnlSession.currentThreadIsIn(fd))
        let manager = try LinkManager()
        async let came = manager.waitForCarrier(a, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(200))
        try Shell.run(["ip", "link", "set", b, "up"])
        #expect(try await came)
    }

    @Test func waitForCarrierGivesUpWhenThePeerStaysDown() async throws {
        let fixture = try VethFixture(peerUp: false)
        defer { fixture.delete() }
        let came = try await fixture.manager.waitForCarrier(fixture.a, timeout: .milliseconds(300))
        #expect(came == false)
        #expect(!(try fixture.ipLink(fixture.a).flags.contains("LOWER_UP")))
    }

    @Test func waitForCarrierOnAnUnknownInterfaceThrows() async throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        do {
            _ = try await fixture.manager.waitForCarrier("vlnope7", timeout: .milliseconds(100))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "no interface named vlnope7")
        }
    }
}

/// Holds a thread until the test opens it.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    func open() { condition.lock(); isOpen = true; condition.broadcast(); condition.unlock() }
    func waitUntilOpen() { condition.lock(); while !isOpen { condition.wait() }; condition.unlock() }
}

extension LinkEvent {
    var addedLink: LinkInfo? {
        if case .added(let link) = self { return link }
        return nil
    }
}
