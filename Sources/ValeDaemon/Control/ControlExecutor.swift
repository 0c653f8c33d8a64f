import Dispatch

/// Runs the control server's tasks (accepting, decoding, replying) on a
/// serial dispatch queue of their own rather than Swift's shared
/// cooperative pool, so that the control socket keeps answering when
/// that pool is saturated or blocked (blocking work elsewhere in valed,
/// or in tests, which drive the server with blocking clients). Handler
/// calls still run wherever the handler's isolation puts them.
final class ControlExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "valed.control")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
