import ArgumentParser
import ValeProtocol

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach a NIC or persistent port to a switch.",
        discussion: """
            The switch is created when it does not exist. valed prepares the NIC first (up, \
            promiscuous, VLAN stripping off, offloads off on netmap and left as they are on \
            the userspace datapath; the old settings are saved and restored on detach), \
            attaches it, waits for carrier, and remembers the attachment across restarts. \
            Attaching what is already attached succeeds and says so.

            --host-stack also connects the NIC's host stack (the kernel's own traffic) as \
            port IF^. --force attaches one end of a veth pair in native mode even though its \
            peer is not in netmap mode.

            Examples:
              valectl attach vale0:eth0
              valectl attach vale0:eth1 --host-stack
            """)

    @Argument(help: ArgumentHelp("The switch and interface, e.g. vale0:eth0.", valueName: "switch:if"))
    var target: String

    @Flag(name: .long, help: "Also connect the NIC's host stack (port IF^).")
    var hostStack = false

    @Flag(name: .long, help: "Skip the veth-peer safety check.")
    var force = false

    @OptionGroup var options: GlobalOptions

    func validate() throws { _ = try NameArgument.switchAndPort(target, argument: "SWITCH:IF") }

    func run() throws {
        let (switchName, interface) = try NameArgument.switchAndPort(target, argument: "SWITCH:IF")
        let parameters = AttachParameters(switchName: switchName, interface: interface, hostStack: hostStack, force: force)
        try Session(options).run(.attach, parameters, as: AttachReply.self) { $0.message }
    }
}

struct DetachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach",
        abstract: "Detach a NIC or persistent port from a switch.",
        discussion: """
            The NIC's settings saved at attach are restored. Only what valed attached \
            (or what the configuration names) is detached; foreign ports are refused. \
            Detaching what is not attached succeeds and says so.

            Examples:
              valectl detach vale0:eth0
            """)

    @Argument(help: ArgumentHelp("The switch and interface, e.g. vale0:eth0.", valueName: "switch:if"))
    var target: String

    @OptionGroup var options: GlobalOptions

    func validate() throws { _ = try NameArgument.switchAndPort(target, argument: "SWITCH:IF") }

    func run() throws {
        let (switchName, interface) = try NameArgument.switchAndPort(target, argument: "SWITCH:IF")
        try Session(options).run(.detach, SwitchInterfaceParameters(switchName: switchName, interface: interface),
                                 as: ChangeReply.self) { $0.message }
    }
}
