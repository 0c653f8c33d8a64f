import ArgumentParser
import Foundation
import Logging
import ValeForwarding
import ValeProtocol
import ValeSwitch
import ValeSystemd
#if canImport(Glibc)
import Glibc
#endif

@main
struct SwitchDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vale-switchd",
        abstract: "The forwarding process of valed's userspace datapath.",
        discussion: """
        vale-switchd owns the userspace VALE switches: the AF_PACKET sockets of \
        their ports, the persistent TAP devices made for VMs and the MAC learning \
        tables. valed drives it over a Varlink Unix socket (interface \
        io.valed.forwarder); because forwarding lives in this process, stopping, \
        restarting or upgrading valed does not stop traffic.

        STATE
        Every change (a switch, an attachment, a TAP) is written to the state \
        file before it is confirmed: a temporary file next to it, fsync, rename. \
        At start vale-switchd restores every switch, port and TAP of that file \
        before it accepts clients, so a crash followed by a restart brings the \
        ports back without valed. Counters, learned addresses and monitors start \
        afresh. A state file that cannot be read is an error (exit status 65): \
        move it away to start with no switches.

        SOCKET
        The socket is made with mode 0600, so only its owner (root) connects; \
        peers are also checked with SO_PEERCRED. A socket passed by systemd \
        (vale-switchd.socket, LISTEN_FDS) is used instead when it is bound to \
        the same path. A stale socket file from a crash is replaced; a live one \
        means another vale-switchd runs, and this one refuses to start.

        SIGNALS
        SIGTERM, SIGINT: stop forwarding and exit 0, leaving the state file \
        and the TAP devices, so the next start restores the same ports.
        The Varlink method Shutdown is teardown: it removes every switch, the \
        TAP devices vale-switchd created and the state file, then exits 0.

        SYSTEMD
        Type=notify: READY=1 is sent once the ports are restored and the \
        socket accepts. Logs go to the journal under systemd, else to stderr.

        EXIT STATUS
        0 on SIGTERM or Shutdown; 1 when the socket or state file cannot be \
        used; 65 when the state file is unreadable or invalid.

        FILES
          /run/valed/switchd.sock    the control socket
          /run/valed/switchd.state   the port set (JSON)
          /run/valed/switchd.state.lock  held while vale-switchd runs

        SEE ALSO
          valed(8), valectl(8), docs/forwarder.md
        """,
        version: ValedVersion.string)

    @Option(name: .long, help: ArgumentHelp("The Varlink socket to listen on.", valueName: "path"))
    var socket = ForwarderInterface.defaultSocketPath

    @Option(name: .long, help: ArgumentHelp("The state file holding the port set.", valueName: "path"))
    var state = ForwarderInterface.defaultStatePath

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel) is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        let startTime = Date()
        // Before any thread exists, so every thread inherits the mask and
        // the signals reach only the sigwait below.
        let signals = SignalWaiter(signals: [SIGTERM, SIGINT, SIGHUP, SIGUSR1])
        signal(SIGPIPE, SIG_IGN)
        // Its own SYSLOG_IDENTIFIER: `journalctl -t vale-switchd`, and its
        // lines are not mistaken for valed's.
        ValedLogging.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info, identifier: "vale-switchd")
        let logger = Logger(label: "vale-switchd")

        let stateFile = StateFile(path: state)
        let lock: StateLock
        do {
            lock = try StateLock(statePath: state)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        var restoredState: ForwarderState
        do {
            if var previous = try stateFile.load() {
                previous.restarts += 1
                restoredState = previous
            } else {
                restoredState = ForwarderState(instanceID: UUID().uuidString.lowercased())
            }
            try stateFile.save(restoredState)
        } catch {
            logger.critical("\(error.description)")
            throw ExitCode(65)
        }

        let listener: ControlListener
        do {
            listener = try ControlListener.make(path: socket, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let service = ForwarderService(host: UserspaceSwitchHost(), stateFile: stateFile, socketPath: socket,
                                       logger: logger, startTime: startTime, state: restoredState)
        service.restore()
        let dispatcher = RequestDispatcher(service: service)
        listener.start { fd in
            ControlConnection(fd: fd, dispatcher: dispatcher, logger: logger,
                              onExitRequested: { kill(getpid(), SIGUSR1) }).run()
        }
        let summary = service.summary
        logger.notice("vale-switchd \(ValedVersion.string) ready on \(socket): \(summary)")
        let notifier = SystemdNotifier()
        _ = try? notifier.ready(status: summary)

        while true {
            let received = signals.wait()
            if received == SIGHUP {
                logger.info("SIGHUP ignored: vale-switchd has no configuration to reload")
                continue
            }
            let why = received == SIGUSR1 ? "shutdown requested" : "signal \(received)"
            logger.notice("stopping (\(why)); TAP devices stay\(received == SIGUSR1 ? "" : " and the state file is kept for the next start")")
            _ = try? notifier.stopping()
            service.stop()
            listener.removeSocketFile()
            withExtendedLifetime(lock) {}
            return
        }
    }
}
