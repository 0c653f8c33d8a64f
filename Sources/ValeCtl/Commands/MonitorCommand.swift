import ArgumentParser
import Foundation
import ValeProtocol

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Capture the frames of a port.",
        discussion: """
            valed opens a netmap monitor port (the /r, /t, /z forms) on SWITCH:PORT, or \
            mirrors the port on the userspace datapath, and streams the frames. Without -w, \
            one line per frame is printed (time, direction, length, addresses, EtherType); \
            -w FILE writes a pcap file readable by tcpdump, tshark and Wireshark, and -w - \
            writes pcap to standard output. Ctrl-C or -c COUNT ends the capture cleanly and \
            releases the monitor. --timeout applies to connecting only.

            Examples:
              valectl monitor vale0:vm1
              valectl monitor vale0:eth0 --rx -c 100 -w /tmp/eth0.pcap
              valectl monitor vale0:vm1 -w - | tcpdump -n -r -
            """)

    @Argument(help: ArgumentHelp("The switch and port, e.g. vale0:vm1.", valueName: "switch:port"))
    var target: String

    @Flag(help: ArgumentHelp("Which traffic to capture (default: both)."))
    var direction: Direction = .both

    @Flag(name: .long, help: "Use a zero-copy monitor (shares the port's memory; kernel datapath only).")
    var zeroCopy = false

    @Option(name: .short, help: ArgumentHelp("Stop after this many frames.", valueName: "count"))
    var count: Int?

    @Option(name: .short, help: ArgumentHelp("Write pcap to this file; - for standard output.", valueName: "file"))
    var write: String?

    @OptionGroup var options: GlobalOptions

    enum Direction: String, EnumerableFlag {
        case rx, tx, both

        static func help(for value: Direction) -> ArgumentHelp? {
            switch value {
            case .rx: return "Capture frames the port receives."
            case .tx: return "Capture frames the port transmits."
            case .both: return "Capture both directions."
            }
        }
    }

    func validate() throws {
        _ = try NameArgument.switchAndPort(target)
        if let count, count < 1 { throw ValidationError("-c must be 1 or more, not \(count)") }
        if write == "-" && options.json { throw ValidationError("-w - and --json both write to standard output; choose one") }
    }

    func run() throws {
        let (switchName, port) = try NameArgument.switchAndPort(target)
        var pcap: PcapWriter?
        if let write {
            let handle: FileHandle
            if write == "-" {
                handle = FileHandle.standardOutput
            } else {
                guard FileManager.default.createFile(atPath: write, contents: nil) , let opened = FileHandle(forWritingAtPath: write) else {
                    throw CtlFailure(.operationFailed, "cannot write the capture to \(write): \(String(cString: strerror(errno)))")
                }
                handle = opened
            }
            pcap = try PcapWriter(handle: handle)
        }
        let session = try Session(options)
        let parameters = MonitorParameters(switchName: switchName, port: port, direction: MonitorParameters.Direction(direction),
                                           zeroCopy: zeroCopy, count: count)
        try session.startStream(.monitor, parameters)
        session.client.interruptDescriptor = Interrupts.install()
        var seen = 0
        var dropped = 0
        streaming: while let (reply, raw) = try session.next(as: MonitorReply.self) {
            dropped += reply.dropped
            if options.json {
                Output.write(try Output.compactJSON(raw.parameters ?? .emptyObject) + "\n")
            }
            for frame in reply.frames {
                if let pcap {
                    try pcap.write(frame)
                } else if !options.json {
                    Output.write(FrameSummary.line(frame) + "\n")
                }
                seen += 1
                if let count, seen >= count { break streaming }
            }
            if !raw.hasMore { break }
        }
        if write != "-" && !options.json {
            Output.writeError("\(seen) frame\(seen == 1 ? "" : "s") captured\(dropped > 0 ? ", \(dropped) lost" : "")")
        }
    }
}

extension MonitorParameters {
    fileprivate typealias Direction = MonitorDirection
}

extension MonitorDirection {
    fileprivate init(_ direction: MonitorCommand.Direction) {
        switch direction {
        case .rx: self = .rx
        case .tx: self = .tx
        case .both: self = .both
        }
    }
}

/// The one-line form of a frame.
enum FrameSummary {
    static func line(_ frame: Frame) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(frame.seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        let time = String(format: "%02d:%02d:%02d.%09d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, Int(frame.nanoseconds))
        let bytes = [UInt8](frame.data)
        var text = "\(time) \(frame.direction.rawValue) \(frame.length) bytes"
        if bytes.count >= 14 {
            text += " \(mac(bytes[6..<12])) > \(mac(bytes[0..<6])) ethertype 0x\(String(format: "%04x", UInt16(bytes[12]) << 8 | UInt16(bytes[13])))"
        }
        return text
    }

    private static func mac(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
    }
}
