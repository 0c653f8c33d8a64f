import ServiceLifecycle

/// One long-lived part of valed (the link event router, the pipes, the
/// descriptor socket, the control server, the metrics endpoint, the engine
/// supervisor) as a `Service` of the one `ServiceGroup`.
///
/// The group runs every service at once and stops them in reverse order, one
/// after the other. Starting in order is this type's job: a part waits until
/// the part before it is up (`after`), starts (`start`: binds, opens,
/// restores), says it is up (`started`), then serves until graceful shutdown
/// or cancellation (`serve`, which stops the part before it returns).
struct DaemonPart: Service {
    let name: String
    /// The gate of the part before this one; nil for the first.
    let after: StartGate?
    /// Opened once this part is up.
    let started = StartGate()
    let start: @Sendable () async throws -> Void
    let serve: @Sendable () async throws -> Void

    init(_ name: String, after previous: DaemonPart?, start: @escaping @Sendable () async throws -> Void = {},
         serve: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.after = previous?.started
        self.start = start
        self.serve = serve
    }

    func run() async throws {
        if let after {
            let proceed = await withTaskCancellationOrGracefulShutdownHandler {
                await after.wait()
            } onCancelOrGracefulShutdown: {
                after.abandon()
            }
            guard proceed else { started.abandon(); return }
        }
        do { try await start() } catch {
            started.abandon()
            throw error
        }
        started.open()
        try await serve()
    }

    /// Waits for graceful shutdown or cancellation, then runs `stop`: the
    /// `serve` of a part that works on threads of its own.
    static func untilShutdown(then stop: @Sendable () async -> Void) async {
        try? await gracefulShutdown()
        await stop()
    }
}
