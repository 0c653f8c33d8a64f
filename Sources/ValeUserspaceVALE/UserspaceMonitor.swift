import Foundation
import ValeDatapath
import ValeForwarding
import ValeProtocol

/// `valectl monitor` on the userspace datapath: vale-switchd mirrors the
/// port's frames (its `Monitor` stream, on a connection of its own) and
/// this streams them on. When the port goes, or vale-switchd does, the
/// stream ends with a sentence saying so; when the client goes, the
/// connection closes and vale-switchd removes the monitor.
public struct UserspaceMonitor: MonitorProviding {
    let forwarder: ForwarderSupervisor

    public init(forwarder: ForwarderSupervisor) { self.forwarder = forwarder }

    /// Batches wait here between the reading thread and the consumer; past
    /// this many the oldest are dropped rather than the reader blocking.
    static let queueLimit = 4096

    public func monitor(_ p: ValeDatapath.MonitorParameters) throws -> AsyncThrowingStream<ValeDatapath.MonitorReply, any Error> {
        let target = "\(p.switchName):\(p.port)"
        let socket = forwarder.settings.socket
        // Refused up front, with the sentences of any other refused request,
        // rather than as the first element of the stream.
        let list: ForwarderListReply
        do {
            guard try forwarder.prepare(forChange: false) else {
                throw DatapathError(.notFound(kind: "switch", name: p.switchName), "cannot monitor \(target): no switch named \(p.switchName)")
            }
            list = try forwarder.client.list()
        } catch {
            throw DatapathError.forwarder(error, doing: "monitor \(target)", socket: socket)
        }
        guard let sw = list.switches.first(where: { $0.name == p.switchName }) else {
            throw DatapathError(.notFound(kind: "switch", name: p.switchName), "cannot monitor \(target): no switch named \(p.switchName)")
        }
        guard sw.ports.contains(where: { $0.interface == p.port }) else {
            throw DatapathError(.notFound(kind: "port", name: target), "cannot monitor \(target): \(p.port) is not on \(p.switchName)")
        }
        let direction: ValeProtocol.MonitorDirection = switch p.direction {
        case .rx: .rx
        case .tx: .tx
        case .both: .both
        }
        let monitor: ForwarderMonitor
        do {
            monitor = try forwarder.client.monitor(ForwarderMonitorParameters(switchName: p.switchName, interface: p.port,
                                                                              direction: direction, count: p.count))
        } catch {
            throw DatapathError.forwarder(error, doing: "monitor \(target)", socket: socket)
        }
        let (stream, continuation) = AsyncThrowingStream<ValeDatapath.MonitorReply, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(Self.queueLimit))
        let thread = Thread {
            do {
                while let reply = try monitor.next() {
                    continuation.yield(ValeDatapath.MonitorReply(frames: reply.frames.map(Self.frame), dropped: reply.dropped))
                }
                continuation.finish()
            } catch let error as VarlinkError where error.name == ForwarderError.monitorEnded {
                continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: the port was detached or its switch deleted"))
            } catch let error as ForwarderClientError {
                continuation.finish(throwing: DatapathError.failed("monitor of \(target) ended: vale-switchd went away (\(ForwarderSupervisor.reason(error)), socket \(socket)); start the monitor again"))
            } catch {
                continuation.finish(throwing: DatapathError.forwarder(error, doing: "monitor \(target)", socket: socket))
            }
        }
        thread.name = "monitor \(target)"
        // The consumer went (client left, count reached): close the connection.
        continuation.onTermination = { _ in monitor.cancel() }
        thread.start()
        return stream
    }

    static func frame(_ f: ValeProtocol.Frame) -> ValeDatapath.Frame {
        ValeDatapath.Frame(seconds: f.seconds, nanoseconds: f.nanoseconds, direction: f.direction == .rx ? .rx : .tx,
                           length: f.length, data: f.data)
    }
}
