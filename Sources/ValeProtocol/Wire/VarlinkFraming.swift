import Foundation

/// Varlink's framing: every message is one JSON object followed by a NUL
/// byte. JSON escapes control characters inside strings (`\u0000`), so a
/// raw NUL can only be a terminator.
public enum VarlinkFraming {
    /// Largest message valed accepts or sends, terminator excluded. A peer
    /// that sends more without a NUL gets an error and is disconnected.
    public static let maximumMessageSize = 1 << 20

    /// The JSON encoder used for every message: sorted keys make output
    /// stable for tests and for people diffing `--json` output.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Encodes `message` as JSON and appends the NUL terminator.
    public static func frame(_ message: some Encodable) throws -> [UInt8] {
        var bytes = [UInt8](try makeEncoder().encode(message))
        bytes.append(0)
        return bytes
    }
}

/// Why a byte stream could not be split into Varlink messages.
public enum VarlinkFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More than `VarlinkFraming.maximumMessageSize` bytes arrived without a NUL.
    case messageTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .messageTooLarge(let limit):
            return "message exceeds the limit of \(limit) bytes"
        }
    }
}

/// Splits a byte stream into NUL-terminated messages, however the bytes
/// were cut into reads: several messages in one read, or one message over
/// many.
public struct VarlinkFrameDecoder: Sendable {
    /// The size limit applied to each message.
    public let maximumMessageSize: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next NUL resumes, so that a large message
    /// arriving in small pieces is scanned once, not once per piece.
    private var scanned = 0

    /// A decoder that rejects messages longer than `maximumMessageSize`.
    public init(maximumMessageSize: Int = VarlinkFraming.maximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The next complete message without its terminator, or `nil` when
    /// more bytes are needed. Throws when the pending message is already
    /// over the limit; the decoder is unusable afterwards.
    public mutating func nextMessage() throws(VarlinkFramingError) -> [UInt8]? {
        if let end = buffer[scanned...].firstIndex(of: 0) {
            guard end - start <= maximumMessageSize else {
                throw .messageTooLarge(limit: maximumMessageSize)
            }
            let message = Array(buffer[start..<end])
            start = end + 1
            scanned = start
            compact()
            return message
        }
        scanned = buffer.count
        if buffer.count - start > maximumMessageSize {
            throw .messageTooLarge(limit: maximumMessageSize)
        }
        return nil
    }

    private mutating func compact() {
        // Drop consumed bytes once they dominate the buffer, keeping the
        // amortized cost linear.
        if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }
}
