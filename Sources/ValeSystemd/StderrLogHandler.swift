import Glibc
import Logging
import SystemCallSeam

/// A swift-log handler for valed outside systemd: one plain line per event
/// on stderr, `2026-11-25T17:30:00Z warning valed.engine: text switch=vale0 port=eth1`.
public struct StderrLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// Receives each finished line (stderr by default; tests capture it).
    public let output: @Sendable (String) -> Void
    /// Whether lines start with a UTC timestamp.
    public let timestamps: Bool
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    /// Creates a handler for the logger `label`.
    public init(label: String, timestamps: Bool = true,
                metadataProvider: Logger.MetadataProvider? = nil,
                output: @escaping @Sendable (String) -> Void = StderrLogHandler.writeToStandardError) {
        self.label = label
        self.timestamps = timestamps
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogMetadataMerge.merge(handler: metadata, provider: metadataProvider, event: event.metadata)
        output(Self.format(level: event.level, label: label, message: event.message.description,
                           metadata: merged, timestamp: timestamps ? Self.utcTimestamp() : nil))
    }

    /// One line: optional timestamp, level, label, message, then `key=value`
    /// pairs sorted by key (values with spaces quoted).
    public static func format(level: Logger.Level, label: String, message: String,
                              metadata: Logger.Metadata, timestamp: String?) -> String {
        var line = ""
        if let timestamp { line += timestamp + " " }
        line += "\(level) \(label): \(message)"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key]?.description else { continue }
            line += value.contains(" ") || value.isEmpty ? " \(key)=\"\(value)\"" : " \(key)=\(value)"
        }
        return line + "\n"
    }

    /// Writes a line to fd 2 in one `write(2)` so concurrent lines do not interleave.
    @Sendable public static func writeToStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                valueOrErrno { write(2, buffer.baseAddress! + offset, buffer.count - offset) }
            }
            guard case .success(let n) = written else { return }
            offset += n
        }
    }

    static func utcTimestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var tmv = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &tmv)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &tmv)
        let base = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let millis = Int(ts.tv_nsec / 1_000_000)
        return base + "." + String(repeating: "0", count: millis < 10 ? 2 : millis < 100 ? 1 : 0) + String(millis) + "Z"
    }
}
