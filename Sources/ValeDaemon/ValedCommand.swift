import ArgumentParser
import Foundation
import Logging
import ValeControl
import ValeSystemd

/// `valed`: the command-line entry point. The `ValeD` executable runs it;
/// test harnesses run it with another `DaemonEnvironment`.
@available(macOS 10.15, *)
public struct ValedCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "valed",
        abstract: "The VALE switch daemon: keeps netmap's VALE switches (or their userspace equivalent) as configured.",
        discussion: """
            valed manages VALE software switches: it attaches NICs (with or without \
            the host stack), creates persistent ports for VMs, enables kernel polling, \
            keeps NICs in the state a switch port needs (up, promiscuous, VLAN stripping \
            off, and for netmap offloads off; the userspace datapath carries offloads \
            and leaves them on) and restores them on detach. Its desired state is the \
            configuration file plus changes made with valectl, stored in the state \
            directory; it survives restarts, and stopping valed detaches nothing.

            Where /dev/netmap is absent valed runs the same switches in userspace \
            (AF_PACKET for NICs, TAP devices for VMs), so one configuration works on \
            every Linux host.

            Signals: SIGHUP re-reads the configuration (a file with any error is \
            rejected and nothing changes); SIGTERM stops valed, leaving every switch \
            and port as it is.

            Examples:
              valed --config /etc/valed/valed.yaml
              valed --datapath userspace --socket /tmp/v.sock --state-dir /tmp/v --config demo.yaml
            """,
        version: ControlServer.version)

    @OptionGroup public var options: DaemonOptions

    /// Set by harnesses before `main()`; production uses the defaults.
    nonisolated(unsafe) public static var environment = DaemonEnvironment()

    public init() {}

    public func run() async throws {
        ValedLogging.bootstrap(level: options.logLevel)
        do {
            try await Daemon(options: options, environment: Self.environment).run()
        } catch {
            Logger(label: "valed").critical("valed cannot start: \(error)")
            FileHandle.standardError.write(Data("valed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

@available(macOS 10.15, *)
extension ValedCommand {
    /// Parses the command line and runs valed with `environment`; exits the
    /// process on error. The `valed` executable and test harnesses call this.
    /// (The generic `main()` would pick the synchronous entry point when called
    /// from top-level code in another module.)
    public static func runMain(environment: DaemonEnvironment = DaemonEnvironment()) async -> Never {
        Self.environment = environment
        do {
            var command = try parseAsRoot()
            if let valed = command as? ValedCommand {
                try await valed.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            exit(withError: error)
        }
    }
}
