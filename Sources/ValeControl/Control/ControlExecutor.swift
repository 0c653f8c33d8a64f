import NIOCore

/// Runs the control server's tasks (accepting, decoding, replying) on one
/// of SwiftNIO's event loop threads rather than Swift's shared cooperative
/// pool, so that the control socket keeps answering when that pool is
/// saturated or blocked (blocking work elsewhere in valed, or tests that
/// drive the server with blocking clients). Dispatch queues are no escape:
/// on Linux they share their threads with that pool. Handler calls still
/// run wherever the handler's isolation puts them (the engine's actor).
final class ControlExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
