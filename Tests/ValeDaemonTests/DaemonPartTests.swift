import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import ValeDaemon

/// The daemon's long-lived parts in one ServiceGroup: started one after the
/// other in their order, stopped in the reverse one.
@Suite struct DaemonPartTests {
    final class Log: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var value: [String] { lines.withLock { $0 } }
    }

    static func parts(_ names: [String], log: Log, failing: String? = nil) -> [DaemonPart] {
        var parts: [DaemonPart] = []
        for name in names {
            parts.append(DaemonPart(name, after: parts.last, start: {
                // The first part is slow to start: the others must wait for it.
                if name == names.first { try await Task.sleep(for: .milliseconds(200)) }
                if name == failing { struct StartFailed: Error {}; throw StartFailed() }
                log.add("start \(name)")
            }, serve: { await DaemonPart.untilShutdown { log.add("stop \(name)") } }))
        }
        return parts
    }

    @Test func partsStartInOrderAndStopInReverseOrder() async throws {
        let log = Log()
        let group = ServiceGroup(configuration: .init(
            services: Self.parts(["a", "b", "c"], log: log).map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        // Bounded wait, only so that a broken build cannot hang.
        for _ in 0..<500 where log.value.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(log.value == ["start a", "start b", "start c", "stop c", "stop b", "stop a"])
    }

    @Test func aPartThatCannotStartStopsTheOnesAfterItFromStarting() async throws {
        let log = Log()
        let group = ServiceGroup(configuration: .init(
            services: Self.parts(["a", "b", "c"], log: log, failing: "b").map { .init(service: $0) },
            logger: Logger(label: "test")))
        await #expect(throws: (any Error).self) { try await group.run() }
        #expect(log.value.contains("start a"))
        #expect(!log.value.contains("start b") && !log.value.contains("start c"))
    }
}
