import ArgumentParser
import ValeProtocol

struct VnetHeaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vnet-hdr",
        abstract: "Set the virtio-net header length of a port.",
        discussion: """
            VMs using virtio-net with offloads exchange frames with a virtio-net header \
            in front; the port must agree on its length (netmap PORT_HDR_SET).
            """,
        subcommands: [VnetHeaderSetCommand.self])
}

struct VnetHeaderSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set the virtio-net header length of a port to 0, 10 or 12 bytes.",
        discussion: """
            Examples:
              valectl vnet-hdr set vale0:vm1 12
              valectl vnet-hdr set vale0:vm1 0
            """)

    @Argument(help: ArgumentHelp("The switch and port, e.g. vale0:vm1.", valueName: "switch:port"))
    var target: String

    @Argument(help: ArgumentHelp("Header length in bytes: 0, 10 or 12.", valueName: "length"))
    var length: Int

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        _ = try NameArgument.switchAndPort(target)
        guard SetVnetHeaderParameters.validLengths.contains(length) else {
            throw ValidationError("the virtio-net header length must be 0, 10 or 12, not \(length)")
        }
    }

    func run() throws {
        let (switchName, port) = try NameArgument.switchAndPort(target)
        try Session(options).run(.setVnetHeader, SetVnetHeaderParameters(switchName: switchName, port: port, length: length),
                                 as: ChangeReply.self) { $0.message }
    }
}
