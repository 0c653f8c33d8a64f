import Foundation

/// Frame mirroring of a port for `valectl monitor`: netmap's monitor ports,
/// or the userspace switch's mirror hook. Throws `DatapathError`.
public protocol MonitorProviding: Sendable {
    /// Frames of the port in batches, until `count` frames were sent, the
    /// consumer goes away (the stream terminates), or the port goes.
    func monitor(_ parameters: MonitorParameters) throws -> AsyncThrowingStream<MonitorReply, any Error>
}

/// Which traffic of a port a monitor sees.
public enum MonitorDirection: String, Sendable, Hashable, CaseIterable {
    /// Frames the port receives (netmap `/r`).
    case rx
    /// Frames the port transmits (netmap `/t`).
    case tx
    /// Both (netmap `/rt`).
    case both
}

/// What to monitor.
public struct MonitorParameters: Sendable, Hashable {
    public var switchName: String
    public var port: String
    public var direction: MonitorDirection
    /// Use a zero-copy monitor (netmap `/z`), which shares the port's memory.
    public var zeroCopy: Bool
    /// End the stream after this many frames; endless when nil.
    public var count: Int?

    public init(switchName: String, port: String, direction: MonitorDirection = .both, zeroCopy: Bool = false, count: Int? = nil) {
        self.switchName = switchName; self.port = port; self.direction = direction
        self.zeroCopy = zeroCopy; self.count = count
    }
}

/// Direction of one captured frame.
public enum FrameDirection: String, Sendable, Hashable, CaseIterable {
    case rx, tx
}

/// A captured frame.
public struct Frame: Sendable, Hashable {
    /// Capture time: seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second.
    public var nanoseconds: Int32
    public var direction: FrameDirection
    /// Length of the frame on the wire (may exceed `data.count`).
    public var length: Int
    public var data: Data

    public init(seconds: Int64, nanoseconds: Int32, direction: FrameDirection, length: Int, data: Data) {
        self.seconds = seconds; self.nanoseconds = nanoseconds; self.direction = direction
        self.length = length; self.data = data
    }
}

/// One element of a monitor stream: a batch of frames.
public struct MonitorReply: Sendable, Hashable {
    public var frames: [Frame]
    /// Frames lost since the previous batch (the queue overflowed).
    public var dropped: Int

    public init(frames: [Frame], dropped: Int = 0) { self.frames = frames; self.dropped = dropped }
}
