import Foundation
import Logging
import ValeLink

/// Feeds netlink link events (RTNLGRP_LINK) to the engine: a NIC that
/// vanishes is marked missing and detached, one that returns is attached
/// again, promiscuous mode cleared by someone else is re-asserted, carrier
/// changes show up in `list` and `events`.
enum LinkEventRouter {
    static func start(engine: Engine, links: LinkLayer, logger: Logger) throws -> LinkMonitor {
        let monitor = try LinkMonitor()
        let (stream, continuation) = AsyncStream<LinkEvent>.makeStream(bufferingPolicy: .unbounded)
        monitor.start { continuation.yield($0) }
        Task {
            for await event in stream {
                logger.debug("link event: \(event)")
                switch event {
                case .removed(let link):
                    await engine.interfaceRemoved(link.name)
                case .added(let link):
                    await engine.interfaceAdded(link.name)
                case .changed(let link, let changes):
                    if changes.contains(.promiscuous) && !link.isPromiscuous {
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
        return monitor
    }
}
