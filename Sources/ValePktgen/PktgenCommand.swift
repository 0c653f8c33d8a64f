import ArgumentParser
import Foundation
import NetmapKit
import Synchronization

/// Set by SIGINT/SIGTERM; the pump checks it between syncs.
let stopRequested = Atomic<Bool>(false)

/// `vale-pktgen`: a packet generator and receiver for one netmap port, on
/// NetmapKit, for benchmarks against netmap's own pkt-gen (`-f tx` / `-f rx`).
@main
struct PktgenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vale-pktgen",
        abstract: "Send or receive frames on one netmap port (like pkt-gen -f tx / -f rx).",
        discussion: """
            Opens the port with NetmapKit (open /dev/netmap, REGISTER, mmap), then either \
            fills every free slot of every bound TX ring with one UDP/IPv4 frame (written \
            into each buffer once) and txsyncs once per round, or polls and releases every \
            received slot at once. Prints packets, \
            bytes, the rate and how many syncs and waits the run needed. Ctrl-C stops.

            Examples:
              vale-pktgen -i vale0:a -f tx -l 60 -n 10000000
              vale-pktgen -i vale0:b -f rx -d 10
              vale-pktgen -i 'netmap:p0{0' -f tx   # master end of a pipe valed holds
            """)

    enum Function: String, ExpressibleByArgument { case tx, rx }

    @Option(name: [.customShort("i"), .customLong("interface")], help: ArgumentHelp("The port (netmap portspec, e.g. vale0:a, netmap:eth0, netmap:p0}0).", valueName: "portspec"))
    var interface: String?

    @Option(name: .customLong("fd"), help: ArgumentHelp(
        "Use this inherited descriptor, already registered to a port (valectl pipe open ... -- vale-pktgen --fd 3); the region size and netmap_if offset come from VALED_PIPE_MEMSIZE and VALED_PIPE_IF_OFFSET.",
        valueName: "n"))
    var descriptor: Int32?

    @Option(name: [.customShort("f"), .customLong("function")], help: "tx or rx.")
    var function: Function

    @Option(name: [.customShort("n"), .customLong("count")], help: "Stop after this many frames (default: until Ctrl-C or --duration).")
    var count: Int?

    @Option(name: [.customShort("l"), .customLong("length")], help: "Frame length in bytes without FCS (minimum 60).")
    var length: Int = 60

    @Option(name: [.customShort("b"), .customLong("batch")], help: "Slots per sync at most (default: every free slot of every ring, like pkt-gen).")
    var batch: Int?

    @Option(name: [.customShort("d"), .customLong("duration")], help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: .customLong("src-mac")) var sourceMAC = "02:00:00:00:00:01"
    @Option(name: .customLong("dst-mac")) var destinationMAC = "ff:ff:ff:ff:ff:ff"
    @Option(name: .customLong("src-ip")) var sourceIP = "10.0.0.1"
    @Option(name: .customLong("dst-ip")) var destinationIP = "10.1.0.1"

    func validate() throws {
        if (interface == nil) == (descriptor == nil) { throw ValidationError("give either -i PORTSPEC or --fd N") }
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
        if !(FrameTemplate.minimumLength...65535).contains(length) { throw ValidationError("--length must be between 60 and 65535") }
        if let batch, batch < 1 { throw ValidationError("--batch must be 1 or more") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        for (name, text, ok) in [("--src-mac", sourceMAC, FrameTemplate.mac(sourceMAC) != nil),
                                 ("--dst-mac", destinationMAC, FrameTemplate.mac(destinationMAC) != nil),
                                 ("--src-ip", sourceIP, FrameTemplate.ipv4(sourceIP) != nil),
                                 ("--dst-ip", destinationIP, FrameTemplate.ipv4(destinationIP) != nil)] where !ok {
            throw ValidationError("\(name) \(text) is not a valid address")
        }
    }

    func run() throws {
        let port = try openPort()
        let label = port.name
        defer { port.close() }
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        let deadline = duration.map { Date().addingTimeInterval($0) }
        let shouldStop = { stopRequested.load(ordering: .relaxed) || deadline.map { Date() >= $0 } ?? false }
        let pump = PacketPump(port: port, batch: batch)
        let start = ContinuousClock.now
        let stats: PumpStatistics
        switch function {
        case .tx:
            let frame = FrameTemplate(length: length, sourceMAC: FrameTemplate.mac(sourceMAC)!, destinationMAC: FrameTemplate.mac(destinationMAC)!,
                                      sourceIP: FrameTemplate.ipv4(sourceIP)!, destinationIP: FrameTemplate.ipv4(destinationIP)!)
            do { stats = try pump.transmit(frame.bytes, count: count, shouldStop: shouldStop) } catch { throw PktgenFailure("\(error)") }
        case .rx:
            do { stats = try pump.receive(count: count, shouldStop: shouldStop) } catch { throw PktgenFailure("\(error)") }
        }
        let elapsed = start.duration(to: .now)
        print(Self.summary(stats, function: function, port: label, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }

    /// The port from -i (open + REGISTER + mmap) or from --fd (mmap only).
    func openPort() throws -> NetmapPort {
        if let interface {
            let name: PortName
            do { name = try PortName.parse(interface) } catch { throw ValidationError("\(error)") }
            do { return try NetmapPort(name) } catch { throw PktgenFailure("\(error)") }
        }
        let environment = ProcessInfo.processInfo.environment
        guard let size = environment["VALED_PIPE_MEMSIZE"].flatMap(UInt64.init),
              let offset = environment["VALED_PIPE_IF_OFFSET"].flatMap(UInt64.init) else {
            throw PktgenFailure("--fd needs VALED_PIPE_MEMSIZE and VALED_PIPE_IF_OFFSET in the environment (valectl pipe open sets them)")
        }
        let name = environment["VALED_PIPE_PORT"] ?? "fd \(descriptor!)"
        do { return try NetmapPort(adopting: descriptor!, name: name, memorySize: size, interfaceOffset: offset) } catch {
            throw PktgenFailure("\(error)")
        }
    }

    static func summary(_ s: PumpStatistics, function: Function, port: String, seconds: Double) -> String {
        let verb = function == .tx ? "sent" : "received"
        let pps = seconds > 0 ? Double(s.packets) / seconds : 0
        let bps = seconds > 0 ? Double(s.bytes) * 8 / seconds : 0
        return "\(port): \(verb) \(s.packets) frames (\(s.bytes) bytes) in \(String(format: "%.3f", seconds)) s: "
            + "\(String(format: "%.3f", pps / 1e6)) Mpps, \(String(format: "%.3f", bps / 1e9)) Gbit/s; \(s.syncs) syncs, \(s.waits) waits"
    }
}

/// A runtime failure: printed as one sentence, exit status 1.
struct PktgenFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
