import Foundation

/// Which traffic of a port a monitor sees.
public enum MonitorDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Frames the port receives (netmap `/r`).
    case rx
    /// Frames the port transmits (netmap `/t`).
    case tx
    /// Both (netmap `/rt`).
    case both
}

/// Parameters of `io.valed.Monitor`.
public struct MonitorParameters: Sendable, Hashable, Codable {
    /// JSON field `switch`.
    public var switchName: String
    public var port: String
    public var direction: MonitorDirection
    /// Use a zero-copy monitor (netmap `/z`), which shares the port's memory.
    public var zeroCopy: Bool
    /// End the stream after this many frames; endless when `nil`.
    public var count: Int?

    public init(switchName: String, port: String, direction: MonitorDirection = .both, zeroCopy: Bool = false, count: Int? = nil) {
        self.switchName = switchName
        self.port = port
        self.direction = direction
        self.zeroCopy = zeroCopy
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", port, direction, zeroCopy, count }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switchName = try container.decode(String.self, forKey: .switchName)
        port = try container.decode(String.self, forKey: .port)
        direction = try container.decode(MonitorDirection.self, forKey: .direction, default: .both)
        zeroCopy = try container.decode(Bool.self, forKey: .zeroCopy, default: false)
        count = try container.decodeIfPresent(Int.self, forKey: .count)
    }
}

/// Direction of one captured frame.
public enum FrameDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case rx, tx
}

/// A captured frame (`Frame`).
public struct Frame: Sendable, Hashable, Codable {
    /// Capture time: seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second.
    public var nanoseconds: Int32
    public var direction: FrameDirection
    /// Length of the frame on the wire (may exceed `data.count`).
    public var length: Int
    /// The captured bytes; base64 in JSON.
    public var data: Data

    public init(seconds: Int64, nanoseconds: Int32, direction: FrameDirection, length: Int, data: Data) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.direction = direction
        self.length = length
        self.data = data
    }
}

/// One reply of the `io.valed.Monitor` stream: a batch of frames.
/// Keep a batch well under `VarlinkFraming.maximumMessageSize`: base64
/// grows the bytes by a third.
public struct MonitorReply: Sendable, Hashable, Codable {
    public var frames: [Frame]
    /// Frames lost since the previous reply (the monitor ring overflowed).
    public var dropped: Int

    public init(frames: [Frame], dropped: Int = 0) {
        self.frames = frames
        self.dropped = dropped
    }
}
