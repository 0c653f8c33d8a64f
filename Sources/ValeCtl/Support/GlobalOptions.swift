import ArgumentParser
import Foundation

/// Options every valectl command takes.
struct GlobalOptions: ParsableArguments {
    static let defaultSocket = "/run/valed/valed.sock"

    @Option(name: .long, help: ArgumentHelp(
        "The control socket of valed (default: $VALED_SOCKET, else \(defaultSocket)).",
        valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the reply as JSON (stable, documented fields; see docs/protocol.md).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for valed to accept and answer.", valueName: "secs"))
    var timeout: Double = 10

    /// The socket path after applying $VALED_SOCKET.
    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["VALED_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSocket
    }

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds, not \(timeout)")
        }
    }
}
