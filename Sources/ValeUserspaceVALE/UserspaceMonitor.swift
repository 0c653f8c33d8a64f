import Foundation
import Synchronization
import ValeDatapath
import ValeSwitch

/// `valectl monitor` on the userspace datapath: mirrors a port's frames
/// through the switch's monitor hook and streams them in batches.
public struct UserspaceMonitor: MonitorProviding {
    let host: UserspaceSwitchHost

    public init(host: UserspaceSwitchHost) { self.host = host }

    /// Frames wait here between the packet thread and the stream; past this
    /// many the oldest are dropped (and counted) instead of slowing the switch.
    static let queueLimit = 4096

    public func monitor(_ p: MonitorParameters) throws -> AsyncThrowingStream<MonitorReply, any Error> {
        guard let sw = host.list().first(where: { $0.name == p.switchName }) else {
            throw DatapathError(.notFound(kind: "switch", name: p.switchName), "cannot monitor \(p.switchName):\(p.port): no switch named \(p.switchName)")
        }
        guard let port = sw.ports.first(where: { $0.name == p.port }) else {
            throw DatapathError(.notFound(kind: "port", name: "\(p.switchName):\(p.port)"), "cannot monitor \(p.switchName):\(p.port): \(p.port) is not on \(p.switchName)")
        }
        let direction: ValeSwitch.MonitorDirection = switch p.direction {
        case .rx: .rx
        case .tx: .tx
        case .both: .both
        }
        let limit = p.count
        let (stream, continuation) = AsyncThrowingStream<MonitorReply, any Error>.makeStream(bufferingPolicy: .bufferingNewest(Self.queueLimit))
        let state = Mutex<(sent: Int, dropped: Int)>((0, 0))
        let token: MonitorToken
        do {
            let target = "\(p.switchName):\(p.port)"
            token = try host.addMonitor(switch: p.switchName, port: port.index, direction: direction, ended: {
                continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: the port was detached or its switch deleted"))
            }) { frame in
                let (emit, finish, dropped) = state.withLock { s -> (Bool, Bool, Int) in
                    if let limit, s.sent >= limit { return (false, false, s.dropped) }
                    s.sent += 1
                    return (true, limit.map { s.sent >= $0 } ?? false, s.dropped)
                }
                guard emit else { return }
                let f = Frame(seconds: Int64(frame.seconds), nanoseconds: Int32(frame.nanoseconds),
                              direction: frame.direction == .rx ? .rx : .tx, length: frame.bytes.count, data: Data(frame.bytes))
                if case .dropped = continuation.yield(MonitorReply(frames: [f], dropped: dropped)) {
                    state.withLock { $0.dropped += 1 }
                }
                if finish { continuation.finish() }
            }
        } catch {
            throw DatapathError.failed("\(error)")
        }
        // Runs on the packet thread when a count is reached (finish() in the
        // handler) or on an event loop when the client goes: removeMonitor
        // takes no switch lock, so neither waits for nor re-enters a batch.
        continuation.onTermination = { _ in host.removeMonitor(token) }
        return stream
    }
}
