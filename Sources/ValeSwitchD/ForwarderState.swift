import ValeForwarding

/// What vale-switchd persists in its state file: the port set it must
/// restore after a crash or a restart without waiting for valed. Counters,
/// learned addresses and monitors are not kept: they restart from zero.
struct ForwarderState: Codable, Equatable, Sendable {
    /// The format this build writes and reads.
    static let currentVersion = 1

    struct SwitchRecord: Codable, Equatable, Sendable {
        var name: String
        var config: ForwarderSwitchConfig
    }

    /// One attachment, in the order the ports were attached: restoring in
    /// this order gives the same port indices unless earlier ports were
    /// detached in between (indices are not part of the contract; ports are
    /// named by interface).
    struct AttachmentRecord: Codable, Equatable, Sendable {
        var switchName: String
        var interface: String
        var hostStack: Bool
        var maxFrameSize: Int?

        enum CodingKeys: String, CodingKey { case switchName = "switch", interface, hostStack, maxFrameSize }
    }

    /// A TAP device made through CreateTAP. `created` is false when a device
    /// of that name existed and was adopted: Shutdown deletes only the TAPs
    /// vale-switchd created.
    struct TAPRecord: Codable, Equatable, Sendable {
        var name: String
        var uid: UInt32?
        var gid: UInt32?
        var mtu: Int?
        var created: Bool
    }

    var version: Int = ForwarderState.currentVersion
    /// Made with the first state file; it survives restarts of the process.
    var instanceID: String
    /// Starts of the process that found a state file.
    var restarts: Int = 0
    var switches: [SwitchRecord] = []
    var attachments: [AttachmentRecord] = []
    var taps: [TAPRecord] = []

    /// Problems that make the state unusable as a whole (the file was
    /// edited by hand): duplicate switches, attachments to unknown switches,
    /// an interface attached twice.
    func problems() -> [String] {
        var problems: [String] = []
        var names = Set<String>()
        for record in switches where !names.insert(record.name).inserted {
            problems.append("switch \(record.name) appears twice")
        }
        var interfaces = Set<String>()
        for record in attachments {
            if !names.contains(record.switchName) {
                problems.append("\(record.switchName):\(record.interface) names a switch that is not in the file")
            }
            if !interfaces.insert(record.interface).inserted {
                problems.append("\(record.interface) is attached twice")
            }
        }
        var tapNames = Set<String>()
        for record in taps where !tapNames.insert(record.name).inserted {
            problems.append("TAP \(record.name) appears twice")
        }
        return problems
    }
}
