import Foundation

/// A task executor with one thread of its own, for tests whose timing must
/// not depend on Swift's shared cooperative pool, which other suites running
/// in parallel may keep busy with blocking work (two threads on a two-core
/// host). Tasks that prefer it run their nonisolated code, and the default
/// actors they call, on that thread (SE-0417).
public final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    public init(name: String) {
        let thread = Thread { [unowned(unsafe) self] in self.loop() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
