import Foundation
import ValeDatapath
import ValeEngine
import ValeProtocol

// The engine's and the providers' values as `io.valed` types, and the
// parameters of calls as what the providers take: one initializer per type,
// all here, so the wire format reaches no target below ValeControl.

extension ValeProtocol.Counters {
    init(_ c: ValeDatapath.Counters) {
        self.init(rxPackets: c.rxPackets, rxBytes: c.rxBytes, txPackets: c.txPackets, txBytes: c.txBytes, drops: c.drops)
    }
}

extension ValeProtocol.ModuleInfo {
    init(_ m: ModuleStatus) {
        self.init(name: m.name, state: ModuleState(rawValue: m.state.rawValue) ?? .error, reason: m.reason, apiVersion: m.apiVersion,
                  parameters: m.parameters.map { ModuleParameter(name: $0.name, value: $0.value, writable: $0.writable) },
                  usedBy: m.usedBy)
    }
}

extension ValeProtocol.Forwarder {
    init(_ f: ForwardingProcessStatus) {
        self.init(mode: f.supervision == .spawn ? .spawn : .external, socket: f.socket, running: f.running, pid: f.pid.map(Int.init),
                  uptimeSeconds: f.uptimeSeconds, restarts: f.restarts, version: f.version, instanceID: f.instanceID, problem: f.problem)
    }
}

extension ValeProtocol.ModuleChangeReply {
    init(_ c: ModuleChange) { self.init(module: ModuleInfo(c.module), changed: c.changed, message: c.message) }
}

extension ValeProtocol.NICInfo {
    init(_ n: NICReport) {
        self.init(name: n.name, index: n.index, driver: n.driver, mtu: n.mtu, up: n.up, carrier: n.carrier, operState: n.operState,
                  promiscuous: n.promiscuous, attachedTo: n.attachedTo, counters: n.counters.map(ValeProtocol.Counters.init),
                  settings: n.settings.map { ValeProtocol.NICSetting(name: $0.name, current: $0.current, saved: $0.saved, fixed: $0.fixed) },
                  warnings: n.warnings)
    }
}

extension ValeProtocol.PipeEnd {
    init(_ end: ValeDatapath.PipeEnd) { self = end == .master ? .master : .slave }
}

extension ValeDatapath.PipeEnd {
    init(_ end: ValeProtocol.PipeEnd) { self = end == .master ? .master : .slave }
}

extension ValeProtocol.PipeInfo {
    init(_ p: PipeStatus) {
        self.init(name: p.name, slots: p.slots, holders: p.holders.map {
            ValeProtocol.PipeHolder(end: ValeProtocol.PipeEnd($0.end), pid: $0.pid, uid: $0.uid, command: $0.command)
        })
    }
}

extension ValeProtocol.PipeCreateReply {
    init(_ c: PipeCreated) { self.init(pipe: PipeInfo(c.pipe), changed: c.changed, message: c.message) }
}

extension ValeProtocol.PipeListReply {
    init(_ l: PipeList) { self.init(pipes: l.pipes.map(PipeInfo.init)) }
}

extension ValeProtocol.PipeOpenReply {
    init(_ o: PipeEndOpened) {
        self.init(name: o.name, end: ValeProtocol.PipeEnd(o.end), portName: o.portName, slots: o.slots,
                  memorySize: o.memorySize, interfaceOffset: o.interfaceOffset)
    }
}

extension ValeDatapath.MonitorParameters {
    init(_ p: ValeProtocol.MonitorParameters) {
        let direction: ValeDatapath.MonitorDirection = switch p.direction {
        case .rx: .rx
        case .tx: .tx
        case .both: .both
        }
        self.init(switchName: p.switchName, port: p.port, direction: direction, zeroCopy: p.zeroCopy, count: p.count)
    }
}

extension ValeProtocol.MonitorReply {
    init(_ r: ValeDatapath.MonitorReply) {
        self.init(frames: r.frames.map {
            ValeProtocol.Frame(seconds: $0.seconds, nanoseconds: $0.nanoseconds, direction: $0.direction == .rx ? .rx : .tx,
                               length: $0.length, data: $0.data)
        }, dropped: r.dropped)
    }
}

/// A provider's monitor stream as a stream of replies. Elements are taken
/// from the provider's stream only when the client asks for one, so its
/// bounded queue (and the count of frames it drops) stays where it is;
/// cancelling the client's task ends the provider's stream.
func replies(of frames: AsyncThrowingStream<ValeDatapath.MonitorReply, any Error>) -> AsyncThrowingStream<ValeProtocol.MonitorReply, any Error> {
    let source = IteratorBox(frames.makeAsyncIterator())
    return AsyncThrowingStream {
        do { return try await source.iterator.next().map(ValeProtocol.MonitorReply.init) } catch {
            throw WireErrors.varlinkError(for: error)
        }
    }
}

/// One consumer's iterator, used only from that consumer's sequential
/// `next()` calls (AsyncThrowingStream(unfolding:) never overlaps them).
private final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncThrowingStream<ValeDatapath.MonitorReply, any Error>.Iterator
    init(_ iterator: AsyncThrowingStream<ValeDatapath.MonitorReply, any Error>.Iterator) { self.iterator = iterator }
}

extension ValeProtocol.PortState {
    /// The engine's state as the wire's enum; its sentence goes in `stateReason`.
    init(_ s: ValeEngine.PortState) {
        self = switch s {
        case .ok: .ok
        case .missing: .missing
        case .notAttached: .notAttached
        case .beingRemoved: .beingRemoved
        case .datapathGone: .datapathGone
        case .notOwned: .notOwned
        case .renamedByKernel: .renamed
        case .failed: .failed
        }
    }
}
