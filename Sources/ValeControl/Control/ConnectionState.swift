import NIOCore
import Synchronization

/// Shared between a connection's task, its idle handler and the server's
/// stop: whether a call is running, whether the server is stopping, and
/// the task reading a stream (cancelled on stop or disconnect).
final class ConnectionState: Sendable {
    private struct Inner {
        var busy = false
        var stopping = false
        var cancelStream: (@Sendable () -> Void)?
    }

    let channel: any Channel
    private let inner = Mutex(Inner())

    init(channel: any Channel) { self.channel = channel }

    var isBusy: Bool { inner.withLock { $0.busy } }

    /// Marks a call as started; false when the server is stopping and the
    /// call must not start.
    func beginCall() -> Bool {
        inner.withLock { inner in
            guard !inner.stopping else { return false }
            inner.busy = true
            return true
        }
    }

    /// Marks the call as finished; true when the connection must now close
    /// because the server is stopping.
    func endCall() -> Bool {
        inner.withLock { inner in
            inner.busy = false
            inner.cancelStream = nil
            return inner.stopping
        }
    }

    /// Registers the task reading a stream; it is cancelled at once when
    /// the server is already stopping.
    func setStreamCancellation(_ cancel: @escaping @Sendable () -> Void) {
        let cancelNow = inner.withLock { inner in
            inner.cancelStream = cancel
            return inner.stopping
        }
        if cancelNow { cancel() }
    }

    /// Cancels a running stream (the client went away).
    func cancelStream() {
        inner.withLock { $0.cancelStream }?()
    }

    /// Server stop: idle connections close now, streams are cancelled,
    /// a running unary call finishes and then the connection closes.
    func stop() {
        let (busy, stream) = inner.withLock { inner in
            inner.stopping = true
            return (inner.busy, inner.cancelStream)
        }
        stream?()
        if !busy { channel.close(promise: nil) }
    }
}
