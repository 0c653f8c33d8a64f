import ArgumentParser
import ValeProtocol
import ValeDaemon

struct ValeD: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "valed", abstract: "The VALE switch daemon.", version: ValedVersion.string)
}
ValeD.main()
