import CNetlink
import CNetlinkRoute
import CNetlinkGenl
import CLinuxUAPI
import CLinuxSupport
import Foundation
import SystemCallSeam
#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// The live `NetlinkSession`: libnl-route-3 for links, libnl-genl-3 for the
/// "ethtool" family, one SIOCETHTOOL ioctl for driver information.
///
/// All sockets are opened in `init`, so they belong to the network
/// namespace of the thread that created the session, whichever thread later
/// uses them. Work that needs a fresh socket later (waiting for carrier)
/// runs on a helper thread that first enters that same namespace.
public final class LibnlSession: NetlinkSession, @unchecked Sendable {
    private struct Sockets {
        let route: NetlinkSocket
        let genl: NetlinkSocket
        let ethtool: EthtoolMessages?
        var featureNames: [Int: String]?
    }

    /// libnl sockets are not thread-safe; every use holds `lock`.
    private let lock = NSLock()
    private var state: Sockets
    /// AF_INET datagram socket for SIOCETHTOOL.
    private let ioctlFD: Int32
    /// /proc/thread-self/ns/net of the creating thread.
    private let namespaceFD: Int32

    /// Opens the rtnetlink and generic-netlink sockets and resolves the
    /// "ethtool" family (`genl_ctrl_resolve`). A kernel without ethtool
    /// netlink (before 5.6) still gets links; feature calls then fail with
    /// a sentence.
    public init() throws(NetlinkFailure) {
        let route = try NetlinkSocket(protocol: NETLINK_ROUTE)
        let genl = try NetlinkSocket(protocol: NETLINK_GENERIC)
        let family = genl_ctrl_resolve(genl.handle, ETHTOOL_GENL_NAME)
        state = Sockets(route: route, genl: genl,
                        ethtool: family >= 0 ? EthtoolMessages(family: family) : nil,
                        featureNames: nil)
        ioctlFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        namespaceFD = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if ioctlFD >= 0 { close(ioctlFD) }
        if namespaceFD >= 0 { close(namespaceFD) }
    }

    private func withSockets<T>(_ body: (inout Sockets) throws(NetlinkFailure) -> T) throws(NetlinkFailure) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    // MARK: Links

    public func link(named name: String) throws(NetlinkFailure) -> LinkInfo {
        // IFNAMSIZ is 16 including the terminating NUL.
        guard !name.isEmpty, name.utf8.count < 16 else {
            throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK")
        }
        let message = try RouteMessages.getLink(index: 0, name: name)
        return try oneLink(message)
    }

    public func link(index: Int32, netnsid: Int32?) throws(NetlinkFailure) -> LinkInfo {
        let message = try RouteMessages.getLink(index: index, name: nil, netnsid: netnsid)
        return try oneLink(message)
    }

    private func oneLink(_ message: OpaquePointer) throws(NetlinkFailure) -> LinkInfo {
        var found: LinkInfo?
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_GETLINK") { reply in
                if found == nil { found = RouteMessages.linkInfo(from: reply) }
            }
        }
        guard let found else { throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK") }
        return found
    }

    public func links() throws(NetlinkFailure) -> [LinkInfo] {
        let message = try RouteMessages.dumpLinks()
        var all: [LinkInfo] = []
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_GETLINK dump") { reply in
                if let link = RouteMessages.linkInfo(from: reply) { all.append(link) }
            }
        }
        return all
    }

    public func changeFlags(index: Int32, set: UInt32, clear: UInt32) throws(NetlinkFailure) {
        let message = try RouteMessages.changeFlags(index: index, set: set, clear: clear)
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_NEWLINK")
        }
    }

    public func namespaceName(nsid: Int32) throws(NetlinkFailure) -> String? {
        let directory = "/run/netns"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        for entry in entries.sorted() {
            let fd = open("\(directory)/\(entry)", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let message = try RouteMessages.getNsid(namespaceFD: fd)
            var found: Int32?
            do {
                try withSockets { (state) throws(NetlinkFailure) in
                    try state.route.transact(message, request: "RTM_GETNSID") { reply in
                        found = RouteMessages.nsid(from: reply)
                    }
                }
            } catch {
                continue   // a stale mount point or a namespace we may not query
            }
            if found == nsid { return entry }
        }
        return nil
    }

    // MARK: Tunnels

    public func createTunnel(_ request: TunnelLinkRequest) throws(NetlinkFailure) {
        let message = try TunnelMessages.createLink(request)
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_NEWLINK \(request.kind.rawValue)")
        }
    }

    public func deleteLink(index: Int32) throws(NetlinkFailure) {
        let message = try TunnelMessages.deleteLink(index: index)
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_DELLINK")
        }
    }

    public func tunnelLink(named name: String) throws(NetlinkFailure) -> TunnelLinkInfo {
        guard !name.isEmpty, name.utf8.count < 16 else { throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK") }
        let message = try RouteMessages.getLink(index: 0, name: name)
        var found: TunnelLinkInfo?
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_GETLINK") { reply in
                if found == nil { found = TunnelMessages.tunnelInfo(from: reply) }
            }
        }
        guard let found else { throw NetlinkFailure(errno: .noSuchDevice, request: "RTM_GETLINK") }
        return found
    }

    public func bridgeFDB(ifindex: Int32) throws(NetlinkFailure) -> [FDBEntry] {
        let message = try TunnelMessages.dumpFDB()
        var entries: [FDBEntry] = []
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_GETNEIGH dump") { reply in
                if let entry = TunnelMessages.fdbEntry(from: reply, ifindex: ifindex) { entries.append(entry) }
            }
        }
        return entries
    }

    public func changeDefaultFDB(ifindex: Int32, destination: IPAddress, add: Bool) throws(NetlinkFailure) {
        let message = try TunnelMessages.defaultFDB(ifindex: ifindex, destination: destination, add: add)
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: add ? "RTM_NEWNEIGH" : "RTM_DELNEIGH")
        }
    }

    public func routeInterface(to destination: IPAddress) throws(NetlinkFailure) -> Int32 {
        let message = try TunnelMessages.getRoute(to: destination)
        var found: Int32?
        try withSockets { (state) throws(NetlinkFailure) in
            try state.route.transact(message, request: "RTM_GETROUTE") { reply in
                if found == nil { found = TunnelMessages.outputInterface(from: reply) }
            }
        }
        guard let found else { throw NetlinkFailure(errno: .networkUnreachable, request: "RTM_GETROUTE") }
        return found
    }

    // MARK: ethtool

    private func ethtoolExchange<T>(
        _ request: String, build: (EthtoolMessages) throws(NetlinkFailure) -> OpaquePointer,
        parse: (OpaquePointer, inout Sockets) -> T?
    ) throws(NetlinkFailure) -> T? {
        try withSockets { (state) throws(NetlinkFailure) -> T? in
            guard let ethtool = state.ethtool else {
                throw NetlinkFailure(errno: nil, request: request,
                                     libraryMessage: "this kernel has no ethtool netlink family (Linux 5.6 or later is needed)")
            }
            let message = try build(ethtool)
            var result: T?
            try state.genl.transact(message, request: request) { reply in
                if result == nil { result = parse(reply, &state) }
            }
            return result
        }
    }

    public func features(of name: String) throws(NetlinkFailure) -> FeatureTable {
        let names = try featureNames(device: name)
        let table: FeatureTable? = try ethtoolExchange("ETHTOOL_MSG_FEATURES_GET",
            build: { (ethtool) throws(NetlinkFailure) in try ethtool.featuresRequest(device: name) },
            parse: { reply, _ in EthtoolMessages.featureTable(from: reply, names: names) })
        guard let table else { throw NetlinkFailure(errno: .ioError, request: "ETHTOOL_MSG_FEATURES_GET") }
        return table
    }

    /// ETH_SS_FEATURES names, read once per session (they are global to the kernel).
    private func featureNames(device: String) throws(NetlinkFailure) -> [Int: String] {
        if let cached = try withSockets({ (state) -> [Int: String]? in state.featureNames }) { return cached }
        let names: [Int: String]? = try ethtoolExchange("ETHTOOL_MSG_STRSET_GET",
            build: { (ethtool) throws(NetlinkFailure) in try ethtool.featureNamesRequest(device: device) },
            parse: { reply, _ in EthtoolMessages.featureNames(from: reply) })
        guard let names, !names.isEmpty else { throw NetlinkFailure(errno: .ioError, request: "ETHTOOL_MSG_STRSET_GET") }
        try withSockets { (state) -> Void in state.featureNames = names }
        return names
    }

    public func setFeatures(of name: String, _ wanted: [String: Bool]) throws(NetlinkFailure) {
        guard !wanted.isEmpty else { return }
        let _: Bool? = try ethtoolExchange("ETHTOOL_MSG_FEATURES_SET",
            build: { (ethtool) throws(NetlinkFailure) in try ethtool.setFeaturesRequest(device: name, wanted: wanted) },
            parse: { _, _ in true })
    }

    public func pause(of name: String) throws(NetlinkFailure) -> PauseSettings {
        let settings: PauseSettings? = try ethtoolExchange("ETHTOOL_MSG_PAUSE_GET",
            build: { (ethtool) throws(NetlinkFailure) in try ethtool.pauseRequest(device: name) },
            parse: { reply, _ in EthtoolMessages.pause(from: reply) })
        guard let settings else { throw NetlinkFailure(errno: .ioError, request: "ETHTOOL_MSG_PAUSE_GET") }
        return settings
    }

    public func setPause(of name: String, _ settings: PauseSettings) throws(NetlinkFailure) {
        let _: Bool? = try ethtoolExchange("ETHTOOL_MSG_PAUSE_SET",
            build: { (ethtool) throws(NetlinkFailure) in try ethtool.setPauseRequest(device: name, settings) },
            parse: { _, _ in true })
    }

    public func driverInfo(of name: String) throws(NetlinkFailure) -> DriverInfo {
        guard ioctlFD >= 0 else { throw NetlinkFailure(errno: .addressFamilyNotSupported, request: "SIOCETHTOOL") }
        var driver = [CChar](repeating: 0, count: 64), version = [CChar](repeating: 0, count: 64)
        var firmware = [CChar](repeating: 0, count: 64), bus = [CChar](repeating: 0, count: 64)
        if clinux_ethtool_drvinfo(ioctlFD, name, &driver, driver.count, &version, version.count,
                                  &firmware, firmware.count, &bus, bus.count) != 0 {
            throw NetlinkFailure(errno: .current, request: "SIOCETHTOOL ETHTOOL_GDRVINFO")
        }
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return DriverInfo(driver: text(driver), version: text(version),
                          firmwareVersion: text(firmware), busInfo: text(bus))
    }

    // MARK: Carrier

    /// True when the calling thread's network namespace is the one `fd` refers to.
    static func currentThreadIsIn(_ fd: Int32) -> Bool {
        var anchor = stat(), current = stat()
        guard fstat(fd, &anchor) == 0, stat("/proc/thread-self/ns/net", &current) == 0 else { return false }
        return anchor.st_dev == current.st_dev && anchor.st_ino == current.st_ino
    }

    public func waitForLowerUp(named name: String, timeout: Duration) throws(NetlinkFailure) -> Bool {
        let namespaceFD = self.namespaceFD
        let box = WaitBox()
        // A fresh thread may enter the session's namespace without moving the caller.
        let thread = Thread {
            // setns needs CAP_SYS_ADMIN, which a hardened valed may lack:
            // only call it when this thread is in another namespace (tests).
            if namespaceFD >= 0 && !LibnlSession.currentThreadIsIn(namespaceFD) && clinux_setns_net(namespaceFD) != 0 {
                box.finish(.failure(NetlinkFailure(errno: .current, request: "setns")))
                return
            }
            box.finish(Result { () throws(NetlinkFailure) in try CarrierWatch(name: name).wait(timeout: timeout) })
        }
        thread.start()
        return try box.wait().get()
    }
}

/// Hands the carrier-wait result from its thread to the caller.
private final class WaitBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Bool, NetlinkFailure>?
    func finish(_ value: Result<Bool, NetlinkFailure>) {
        condition.lock(); result = value; condition.signal(); condition.unlock()
    }
    func wait() -> Result<Bool, NetlinkFailure> {
        condition.lock(); defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}

/// Waits for IFF_LOWER_UP on one interface, on the current thread.
struct CarrierWatch {
    let name: String

    func wait(timeout: Duration) throws(NetlinkFailure) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        // Subscribe first, then read the state: a change between the two is
        // then either in the reply or in the queue, never lost.
        let events = try LinkEventSocket()
        let requests = try NetlinkSocket(protocol: NETLINK_ROUTE)
        func currentlyUp() throws(NetlinkFailure) -> Bool {
            var up = false
            do {
                try requests.transact(try RouteMessages.getLink(index: 0, name: name), request: "RTM_GETLINK") { reply in
                    up = RouteMessages.linkInfo(from: reply)?.isLowerUp ?? false
                }
            } catch where error.errno == .noSuchDevice {
                return false   // not there (yet): it may appear before the deadline
            }
            return up
        }
        if try currentlyUp() { return true }
        while true {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)
            let ready: Int32
            switch valueOrErrno({ poll(&poller, 1, milliseconds) }) {
            case .success(let count): ready = count
            case .failure(let error): throw NetlinkFailure(errno: error, request: "poll")
            }
            if ready == 0 { continue }
            var up = false
            switch events.drain({ note in
                if note.link.name == name { up = !note.deleted && note.link.isLowerUp }
            }) {
            case .drained: if up { return true }
            case .overrun: if try currentlyUp() { return true }
            case .failed(let failure): throw failure
            }
        }
    }
}
