import Foundation
import Testing
import TestSupport
@testable import ValeLink

/// Timings for the report, printed and not asserted (no timed assertions in
/// tests). Run with VALED_MEASURE=1.
@Suite(.enabled(if: TestHost.hasNetworkNamespaces && ProcessInfo.processInfo.environment["VALED_MEASURE"] != nil,
                "set VALED_MEASURE=1 to print ValeLink timings"))
struct LinkMeasurements {
    @Test func prepareRestoreAndEventLatency() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let clock = ContinuousClock()
        var prepare: [Duration] = [], restore: [Duration] = [], lookup: [Duration] = []
        for _ in 0..<20 {
            var saved: SavedNICState?
            prepare.append(try clock.measure { saved = try fixture.manager.prepare(fixture.a) })
            restore.append(try clock.measure { try fixture.manager.restore(fixture.a, from: saved!) })
            lookup.append(try clock.measure { _ = try fixture.manager.link(named: fixture.a) })
        }
        let monitor = try fixture.namespace.perform { try LinkMonitor() }
        defer { monitor.stop() }
        let log = EventLog()
        monitor.start { log.append($0) }
        var latency: [Duration] = []
        for round in 0..<20 {
            let on = round % 2 == 0
            let start = clock.now
            try fixture.manager.setPromiscuous(fixture.a, on)
            _ = log.wait { event in
                if case .changed(let link, let changes) = event {
                    return link.name == fixture.a && changes.contains(.promiscuous) && link.isPromiscuous == on
                }
                return false
            }
            latency.append(start.duration(to: clock.now))
            _ = log.all
        }
        func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
        print("ValeLink timings (median of 20): prepare \(median(prepare)), restore \(median(restore)), "
              + "link lookup \(median(lookup)), flag change → monitor event \(median(latency))")
        #expect(prepare.count == 20)
    }
}
