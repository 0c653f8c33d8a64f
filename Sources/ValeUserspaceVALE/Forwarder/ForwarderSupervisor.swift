import CLinuxSupport
import Foundation
import Logging
import Synchronization
import ValeDatapath
import ValeForwarding
#if canImport(Glibc)
import Glibc
#endif

/// Finds, starts and watches vale-switchd (docs/design.md, "The forwarding
/// process").
///
/// At valed's start a forwarder that answers on the socket is adopted as it
/// is: its ports are the datapath's observed state, and nothing is touched.
/// In spawn mode a socket that does not answer means none runs: valed starts
/// one, detached (a session of its own, so signals to valed's process group
/// and valed's own death leave it running), and watches it with a pidfd;
/// when it dies, a new one is started at once and restores its ports from
/// its state file. vale-switchd refuses a second instance on one state file,
/// and one lock here serializes starts, so there are never two.
///
/// A forwarder that exits with status 0 (teardown's `Shutdown`, or an
/// operator's SIGTERM) was stopped on purpose and stays down until a change
/// needs it again; one that exits 65 (an unusable state file) is not
/// restarted either, since restarting cannot repair the file.
public final class ForwarderSupervisor: @unchecked Sendable {
    public let settings: ForwarderSettings
    /// The shared connection the datapath calls through.
    public let client: ForwarderClient
    let logger: Logger

    private struct Watched {
        var pid: pid_t
        var pidfd: Int32
        /// valed started it (and must reap it).
        var child: Bool
        var started: Date
    }

    private struct State {
        var watched: Watched?
        /// Stopped on purpose (teardown, exit 0): not restarted, and reads
        /// do not start it; the next change does.
        var stoppedOnPurpose = false
        var closing = false
        var lastInfo: ForwarderInfo?
        /// Quick deaths in a row (within a second of the start), for the back-off.
        var quickDeaths = 0
        /// The last reason no forwarder could be started, logged once.
        var lastStartFailure: String?
        /// The forwarder processes watched so far (adopted or started): a
        /// new pid is a new process, whose ports came from its state file.
        var processes: UInt64 = 0
        var lastPID: pid_t?
    }

    private let state = Mutex(State())
    /// One start at a time: the watcher's restart and a call that found no
    /// forwarder must not start two.
    private let startLock = NSLock()
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let watcherStarted = Mutex(false)

    public init(settings: ForwarderSettings, logger: Logger = Logger(label: "valed.forwarder")) {
        self.settings = settings
        self.logger = logger
        client = ForwarderClient(path: settings.socket, timeout: 10)
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) != 0 {
            fds = [-1, -1]
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
        if let w = state.withLock({ $0.watched }) { close(w.pidfd) }
    }

    // MARK: Start

    /// At valed's start: adopts the running forwarder or (spawn mode) starts
    /// one; in external mode waits up to `startTimeout` for the service
    /// manager's. When there is none valed still starts: the datapath is
    /// unavailable with the reason (`unavailability()`), every change fails
    /// with it, and the engine's periodic check reconciles once one answers.
    public func start() {
        do {
            try startOrThrow()
        } catch {
            noteStartFailure("\(error)")
        }
        startWatcher()
    }

    func startOrThrow() throws {
        switch settings.mode {
        case .spawn:
            _ = try ensureRunning(starting: true)
        case .external:
            let deadline = Date().addingTimeInterval(settings.startTimeout)
            var lastError: any Error = ForwarderClientError.unreachable(path: settings.socket, reason: "not tried")
            while Date() < deadline {
                do {
                    let info = try probe(timeout: 2)
                    adopted(info)
                    watch(pid: info.pid, child: false)
                    return
                } catch {
                    lastError = error
                    usleep(50_000)
                }
            }
            throw DatapathError(.systemError(object: "vale-switchd"),
                                "vale-switchd is not running (socket \(settings.socket)): \(Self.reason(lastError)); with --forwarder external its service (vale-switchd.service) starts it, and valed waited \(Int(settings.startTimeout)) s")
        }
    }

    /// Makes sure a forwarder answers before a call: true when one does (or
    /// was started now); false when it was stopped on purpose and this is a
    /// read (`forChange == false`), which then sees no switches. In external
    /// mode nothing is started: the call goes ahead and fails with the reason.
    public func prepare(forChange: Bool) throws -> Bool {
        let stopped = state.withLock { $0.stoppedOnPurpose }
        guard stopped else { return true }
        guard forChange else { return false }
        guard settings.mode == .spawn else { return true }
        _ = try ensureRunning(starting: false)
        return true
    }

    /// Starts a forwarder after a call found nobody at the socket (spawn
    /// mode); nil when one answers now, else why none could be started.
    func startFailure() -> String? {
        guard settings.mode == .spawn else { return "with --forwarder external valed does not start it" }
        guard !state.withLock({ $0.closing }) else { return "valed is stopping" }
        do {
            _ = try ensureRunning(starting: false)
            return nil
        } catch {
            noteStartFailure("\(error)")
            return "\(error)"
        }
    }

    /// Logs why no forwarder could be started, once per distinct reason
    /// (the engine asks every 2 s).
    private func noteStartFailure(_ sentence: String) {
        let fresh = state.withLock { s -> Bool in
            defer { s.lastStartFailure = sentence }
            return s.lastStartFailure != sentence
        }
        if fresh { logger.error("\(sentence)") }
    }

    /// Why the userspace datapath cannot work now: nobody answers at the
    /// socket and (spawn mode) none could be started; nil when one answers
    /// or it was stopped on purpose (teardown). In external mode the service
    /// manager is waited for; valed reconciles when it answers again.
    public func unavailability() -> String? {
        if state.withLock({ $0.stoppedOnPurpose || $0.closing }) { return nil }
        do {
            _ = try probe(timeout: 2)
            state.withLock { $0.lastStartFailure = nil }
            return nil
        } catch {
            guard let failure = startFailure() else { return nil }
            if settings.mode == .external {
                return "vale-switchd is not running (socket \(settings.socket)): \(Self.reason(error)); its service (vale-switchd.service) starts it, valed reconciles when it answers"
            }
            return "vale-switchd is not running (socket \(settings.socket)): \(failure)"
        }
    }

    /// The forwarder that answers now, adopted, or one started and waited for.
    @discardableResult
    private func ensureRunning(starting: Bool) throws -> ForwarderInfo {
        startLock.lock()
        defer { startLock.unlock() }
        if let info = try? probe(timeout: 2) {
            if starting || state.withLock({ $0.watched?.pid != info.pid }) {
                adopted(info)
                watch(pid: info.pid, child: false)
            }
            state.withLock { $0.stoppedOnPurpose = false }
            return info
        }
        let info = try spawnAndWait()
        state.withLock { $0.stoppedOnPurpose = false }
        return info
    }

    private func adopted(_ info: ForwarderInfo) {
        state.withLock { $0.lastInfo = info }
        logger.info("using vale-switchd pid \(info.pid) on \(settings.socket) (up \(String(format: "%.1f", info.uptimeSeconds)) s, instance \(info.instanceID), \(info.restarts) restart\(info.restarts == 1 ? "" : "s")); its ports are adopted as they are")
    }

    /// GetInfo on a connection of its own.
    private func probe(timeout: Double) throws -> ForwarderInfo {
        try ForwarderClient(path: settings.socket, timeout: timeout).getInfo()
    }

    private func spawnAndWait() throws -> ForwarderInfo {
        guard let executable = settings.resolvedExecutable() else {
            throw DatapathError(.systemError(object: "vale-switchd"),
                                "no vale-switchd beside valed or in $PATH to start (give --forwarder-path)")
        }
        let arguments = [executable, "--socket", settings.socket, "--state", settings.stateFile]
        var environment = ProcessInfo.processInfo.environment
        // It is not the service's main process: systemd's notifications and
        // passed sockets are valed's, not its own.
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment[key] = nil }
        let started = Date()
        let pid = try Self.spawn(executable, arguments: arguments, environment: environment)
        logger.notice("started vale-switchd pid \(pid) (\(executable) --socket \(settings.socket) --state \(settings.stateFile))")
        let deadline = started.addingTimeInterval(settings.startTimeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw DatapathError(.systemError(object: "vale-switchd"),
                                    "vale-switchd (\(executable)) exited at start with \(Self.describe(status: status)); its reason is in valed's log (its standard error)")
            }
            if let info = try? probe(timeout: 5) {
                watch(pid: info.pid, child: info.pid == pid, started: started)
                state.withLock { $0.lastInfo = info }
                logger.notice("vale-switchd pid \(info.pid) answers after \(Int(Date().timeIntervalSince(started) * 1000)) ms, \(info.restoredPorts) port\(info.restoredPorts == 1 ? "" : "s") restored from \(settings.stateFile) in \(String(format: "%.1f", info.restoreMilliseconds)) ms")
                return info
            }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw DatapathError(.systemError(object: "vale-switchd"),
                            "vale-switchd (\(executable)) did not answer on \(settings.socket) within \(Int(settings.startTimeout)) s and was killed")
    }

    /// posix_spawn, detached: its own session, default signals, stdin from
    /// /dev/null, stdout and stderr onto valed's standard error (the journal
    /// under systemd), no other descriptor.
    static func spawn(_ executable: String, arguments: [String], environment: [String: String]) throws -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = argv.withUnsafeMutableBufferPointer { a in
            envp.withUnsafeMutableBufferPointer { e in
                clinux_spawn_detached(executable, a.baseAddress, e.baseAddress, STDERR_FILENO, &pid)
            }
        }
        guard rc == 0 else {
            throw DatapathError(.systemError(object: "vale-switchd"),
                                "cannot start vale-switchd (\(executable)): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    // MARK: Watching

    private func watch(pid: pid_t, child: Bool, started: Date = Date()) {
        let fd = clinux_pidfd_open(pid)
        if fd < 0 { logger.warning("cannot watch vale-switchd pid \(pid) (pidfd_open: \(String(cString: strerror(errno)))); it is not restarted if it dies") }
        let old = state.withLock { s -> Watched? in
            if s.lastPID != pid {
                s.lastPID = pid
                s.processes += 1
            }
            defer { s.watched = fd >= 0 ? Watched(pid: pid, pidfd: fd, child: child, started: started) : nil }
            return s.watched
        }
        if let old { close(old.pidfd) }
        wakeWatcher()
    }

    private func wakeWatcher() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func startWatcher() {
        let first = watcherStarted.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard first, wakeRead >= 0 else { return }
        let thread = Thread { [self] in watchLoop() }
        thread.name = "vale-switchd watcher"
        thread.start()
    }

    private func watchLoop() {
        while true {
            let (watched, closing) = state.withLock { ($0.watched, $0.closing) }
            if closing { return }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if let watched { fds.append(pollfd(fd: watched.pidfd, events: Int16(POLLIN), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 { if errno == EINTR { continue }; logger.error("vale-switchd watcher: poll: \(String(cString: strerror(errno)))"); return }
            if fds[0].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &buffer, buffer.count) > 0 {}
            }
            guard let watched, fds.count > 1, fds[1].revents != 0 else { continue }
            exited(watched)
        }
    }

    /// The watched forwarder is gone: reap it, and start a new one unless it
    /// was stopped on purpose.
    ///
    /// Its pidfd is closed by whoever takes it out of `state.watched`: here,
    /// or `watch` when a call adopted a new forwarder first (the service
    /// manager restarted it and a call came before this thread). Closing
    /// it twice would close a number another thread may have reused.
    private func exited(_ watched: Watched) {
        let replaced = state.withLock { $0.watched?.pid != watched.pid || $0.watched?.pidfd != watched.pidfd }
        if replaced {
            // Already replaced and its pidfd closed by `watch`; only reap a
            // child of ours, without waiting for one that still runs.
            var status: Int32 = 0
            if watched.child { _ = waitpid(watched.pid, &status, WNOHANG) }
            return
        }
        var statusText = "an unknown status (valed did not start it)"
        var exitCode: Int32?
        if watched.child {
            var status: Int32 = 0
            if waitpid(watched.pid, &status, 0) == watched.pid {
                statusText = Self.describe(status: status)
                if status & 0x7f == 0 { exitCode = (status >> 8) & 0xff }
            }
        }
        let (onPurpose, closing, mine) = state.withLock { s -> (Bool, Bool, Bool) in
            let mine = s.watched?.pid == watched.pid && s.watched?.pidfd == watched.pidfd
            if mine { s.watched = nil }
            if exitCode == 0 || exitCode == 65 { s.stoppedOnPurpose = true }
            return (s.stoppedOnPurpose, s.closing, mine)
        }
        // Replaced while this thread reaped it: `watch` closed it.
        guard mine else { return }
        close(watched.pidfd)
        if closing { return }
        if exitCode == 65 {
            logger.critical("vale-switchd pid \(watched.pid) exited with status 65: its state file \(settings.stateFile) cannot be used (its log says why); not restarted. Move the file away; the next change starts a new vale-switchd and valed's reconcile attaches the ports again")
            return
        }
        if onPurpose {
            logger.notice("vale-switchd pid \(watched.pid) exited with \(statusText) (stopped on purpose); it is started again when a change needs it")
            return
        }
        if settings.mode == .external {
            // The service manager restarts it (vale-switchd.service,
            // Restart=on-failure); a second one started here would find the
            // state file locked by systemd's, or take it first and leave
            // systemd's failing in a loop. Wait for it and watch it again.
            logger.warning("vale-switchd pid \(watched.pid) exited; its service manager starts it again (--forwarder external)")
            readopt()
            return
        }
        let quick = Date().timeIntervalSince(watched.started) < 1
        let pause = state.withLock { s -> Double in
            s.quickDeaths = quick ? s.quickDeaths + 1 : 0
            return s.quickDeaths > 3 ? min(Double(s.quickDeaths - 3), 5) : 0
        }
        logger.error("vale-switchd pid \(watched.pid) died with \(statusText); starting it again\(pause > 0 ? " in \(Int(pause)) s (it keeps dying at start)" : "")")
        if pause > 0 { usleep(useconds_t(pause * 1_000_000)) }
        do {
            try ensureRunning(starting: false)
        } catch {
            // The engine's periodic check (`unavailability()`) tries again
            // every 2 s and reports the datapath down meanwhile.
            noteStartFailure("cannot start vale-switchd again: \(error)")
        }
    }

    /// External mode, after the watched forwarder exited: waits up to
    /// `startTimeout` for the one the service manager starts and watches it.
    private func readopt() {
        let deadline = Date().addingTimeInterval(settings.startTimeout)
        while Date() < deadline, !state.withLock({ $0.closing }) {
            if let info = try? probe(timeout: 1) {
                startLock.lock()
                adopted(info)
                watch(pid: info.pid, child: false)
                startLock.unlock()
                return
            }
            usleep(20_000)
        }
        logger.error("vale-switchd did not answer on \(settings.socket) within \(Int(settings.startTimeout)) s of its exit; is vale-switchd.service running? valed connects again at the next call")
    }

    /// How many forwarder processes valed has adopted or started: it moves
    /// when a new one replaced the last (`Datapath.generation`).
    public var generation: UInt64 { state.withLock { $0.processes } }

    /// valed stops: stop watching. The forwarder keeps forwarding.
    public func release() {
        state.withLock { $0.closing = true }
        wakeWatcher()
    }

    // MARK: Status and teardown

    public func currentStatus() -> ForwardingProcessStatus {
        let supervision: ForwardingProcessStatus.Supervision = settings.mode == .spawn ? .spawn : .external
        do {
            let info = try client.getInfo()
            state.withLock { $0.lastInfo = info }
            return ForwardingProcessStatus(name: "vale-switchd", supervision: supervision, socket: settings.socket, running: true,
                                           pid: info.pid, uptimeSeconds: info.uptimeSeconds, restarts: info.restarts,
                                           version: info.version, instanceID: info.instanceID)
        } catch {
            let (last, onPurpose) = state.withLock { ($0.lastInfo, $0.stoppedOnPurpose) }
            let problem = onPurpose ? "stopped (teardown or exit status 0); the next change starts it" : "not running (socket \(settings.socket)): \(Self.reason(error))"
            return ForwardingProcessStatus(name: "vale-switchd", supervision: supervision, socket: settings.socket, running: false,
                                           restarts: last?.restarts ?? 0, instanceID: last?.instanceID, problem: problem)
        }
    }

    /// Teardown: `Shutdown`, then waits (up to 5 s) until the process is gone.
    public func shutdownForwarder() throws -> String {
        state.withLock { $0.stoppedOnPurpose = true }
        let reply: ShutdownReply
        do {
            reply = try client.shutdown()
        } catch let error as ForwarderClientError {
            if case .unreachable = error { return "vale-switchd was not running" }
            throw DatapathError.forwarder(error, doing: "stop vale-switchd", socket: settings.socket)
        } catch {
            throw DatapathError.forwarder(error, doing: "stop vale-switchd", socket: settings.socket)
        }
        client.disconnect()
        let pid = state.withLock { $0.lastInfo?.pid }
        let deadline = Date().addingTimeInterval(5)
        while let pid, Date() < deadline, kill(pid, 0) == 0, !Self.isZombie(pid) { usleep(5_000) }
        return "vale-switchd stopped: \(reply.message)"
    }

    static func isZombie(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return true }
        return text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "status \((status >> 8) & 0xff)" }
        return "signal \(signal) (\(String(cString: strsignal(signal))))"
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case ForwarderClientError.unreachable(_, let reason): reason
        case ForwarderClientError.timedOut(_, let seconds): "no answer within \(seconds) s"
        case ForwarderClientError.connectionLost(_, let reason): "the connection broke: \(reason)"
        default: "\(error)"
        }
    }
}

extension ForwarderSupervisor: ForwardingProcessProviding {
    public func status() -> ForwardingProcessStatus { currentStatus() }
    public func shutdown() throws -> String { try shutdownForwarder() }
}
