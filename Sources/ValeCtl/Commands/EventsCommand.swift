import ArgumentParser
import ValeProtocol

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow state changes as they happen.",
        discussion: """
            One line per event (time, kind, object, message) until Ctrl-C; with --json one \
            JSON object per line. Kinds include port-added, port-removed, port-state, carrier, \
            nic, module, reconcile and config. --timeout applies to connecting only.

            Examples:
              valectl events
              valectl events --json | jq -r .event.message
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let session = try Session(options)
        try session.startStream(.events, EmptyParameters())
        session.client.interruptDescriptor = Interrupts.install()
        while let (reply, raw) = try session.next(as: EventsReply.self) {
            if options.json {
                Output.write(try Output.compactJSON(raw.parameters ?? .emptyObject) + "\n")
            } else {
                let event = reply.event
                Output.write("\(event.time)  \(event.kind)  \(event.object)  \(event.message)\n")
            }
            if !raw.hasMore { break }
        }
    }
}
