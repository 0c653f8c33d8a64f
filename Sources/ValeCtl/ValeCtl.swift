import ArgumentParser
import ValeProtocol

/// The root command.
struct ValeCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "valectl",
        abstract: "Control valed, the daemon that manages netmap VALE switches.",
        discussion: """
            valectl talks to valed over its Varlink socket (default /run/valed/valed.sock, \
            or $VALED_SOCKET, or --socket). Everyone may read state (status, list, port show, \
            config show, events, module status, nic show, pipe list); changes need root or \
            membership in group valed.

            Names follow netmap: a switch is "vale" plus up to 11 letters, digits or _ \
            (vale0, vale_lan); a port of a switch is SWITCH:PORT (vale0:eth0).

            Every command takes --json (print the reply as JSON with stable fields), \
            --timeout SECS (default 10) and --socket PATH.

            Exit status: 0 success (also when nothing had to change), 1 the operation \
            failed or was refused, 2 usage error, 3 valed unreachable.

            Examples:
              valectl status
              valectl attach vale0:eth0 --host-stack
              valectl port create vm1 --switch vale0
              valectl list --json
              valectl apply -f /etc/valed/valed.yaml --dry-run
              valectl monitor vale0:vm1 -w - | tcpdump -r -
            """,
        version: ValedVersion.string,
        subcommands: [
            StatusCommand.self, ListCommand.self, AttachCommand.self, DetachCommand.self,
            PortCommand.self, PollingCommand.self, VnetHeaderCommand.self,
            ApplyCommand.self, ConfigCommand.self, ReloadCommand.self, TeardownCommand.self, EventsCommand.self,
            ModuleCommand.self, NICCommand.self, MonitorCommand.self, PipeCommand.self, TunnelCommand.self,
        ])
}
