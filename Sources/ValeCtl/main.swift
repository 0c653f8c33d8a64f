import ArgumentParser
import ValeProtocol

struct ValeCtl: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "valectl", abstract: "Control valed, the VALE switch daemon.", version: ValedVersion.string)
}
ValeCtl.main()
