import Foundation
import Logging
import ValeEngine
import ValeLink

/// Feeds netlink link events (RTNLGRP_LINK) to the engine: a NIC that
/// vanishes is marked missing and detached, one that returns is attached
/// again, promiscuous mode cleared by someone else is re-asserted, carrier
/// changes show up in `list` and `events`.
///
/// It subscribes when made, so events that come while valed starts wait in
/// the stream; `run` hands them to the engine until `stop`.
public final class LinkEventRouter: Sendable {
    let monitor: LinkMonitor
    let engine: Engine
    let links: LinkLayer
    let logger: Logger
    let stream: AsyncStream<LinkEvent>
    let continuation: AsyncStream<LinkEvent>.Continuation

    public init(engine: Engine, links: LinkLayer, logger: Logger) throws {
        monitor = try LinkMonitor()
        self.engine = engine
        self.links = links
        self.logger = logger
        (stream, continuation) = AsyncStream<LinkEvent>.makeStream(bufferingPolicy: .unbounded)
        let continuation = self.continuation
        monitor.start { continuation.yield($0) }
    }

    /// Hands each event to the engine; returns after `stop`, once the events
    /// read before it are handled.
    public func run() async {
        for await event in stream {
            logger.debug("link event: \(event)")
            switch event {
            case .removed(let link):
                await engine.interfaceRemoved(link.name)
            case .added(let link):
                await engine.interfaceAdded(link.name)
            case .changed(let link, let changes):
                if changes.contains(.promiscuous) && !link.isPromiscuous {
                    let links = self.links
                    await engine.promiscuousCleared(link.name) { try links.ensurePromiscuous($0) }
                }
                if changes.contains(.carrier) {
                    await engine.carrierChanged(link.name, up: link.carrier)
                }
            case .failed(let message):
                logger.error("link monitor: \(message)")
            }
        }
    }

    /// Stops the netlink monitor and ends the stream.
    public func stop() {
        monitor.stop()
        continuation.finish()
    }
}
