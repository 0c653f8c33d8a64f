import Glibc
import Logging
import SystemCallSeam

/// A swift-log handler that writes structured entries to the journal:
/// `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_*`, `VALED_LOGGER`,
/// and one field per metadata key. The keys valed uses are mapped to the
/// documented fields: `switch` → `VALED_SWITCH`, `port` → `VALED_PORT`,
/// `errno` → `ERRNO` (numeric, as journald expects; `EBUSY` becomes 16).
/// Other keys become `VALED_<KEY>`; metadata cannot overwrite `MESSAGE`,
/// `PRIORITY` or journald's trusted fields.
public struct JournalLogHandler: LogHandler {
    /// Where entries go (`LibsystemdJournalSink` in production).
    public let sink: any JournalSink
    /// `SYSLOG_IDENTIFIER=`.
    public let identifier: String
    /// The logger's label, sent as `VALED_LOGGER=`.
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    /// Creates a handler for the logger `label`.
    public init(label: String, sink: any JournalSink = LibsystemdJournalSink(), identifier: String = "valed",
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.sink = sink
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogMetadataMerge.merge(handler: metadata, provider: metadataProvider, event: event.metadata)
        let fields = Self.fields(level: event.level, message: event.message.description, metadata: merged,
                                 label: label, identifier: identifier,
                                 file: event.file, function: event.function, line: event.line)
        // A journal that cannot be reached must not take the daemon down;
        // the line goes to stderr instead, which systemd also collects.
        do { try sink.send(fields) } catch {
            StderrLogHandler.writeToStandardError(StderrLogHandler.format(
                level: event.level, label: label, message: event.message.description, metadata: merged, timestamp: nil))
        }
    }

    /// The journal fields for one log event, in a stable order.
    public static func fields(level: Logger.Level, message: String, metadata: Logger.Metadata,
                              label: String, identifier: String,
                              file: String, function: String, line: UInt) -> [JournalField] {
        var fields = [
            JournalField("MESSAGE", message),
            JournalField("PRIORITY", String(priority(of: level))),
            JournalField("SYSLOG_IDENTIFIER", identifier),
            JournalField("VALED_LOGGER", label),
            JournalField("CODE_FILE", file),
            JournalField("CODE_LINE", String(line)),
            JournalField("CODE_FUNC", function),
        ]
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            let text = value.description
            switch key {
            case "errno", "ERRNO":
                if let number = errnoNumber(text) {
                    fields.append(JournalField("ERRNO", String(number)))
                }
                // The symbolic name is kept too; journald only understands numbers in ERRNO.
                if Int32(text) == nil { fields.append(JournalField("VALED_ERRNO_NAME", text)) }
            default:
                fields.append(JournalField(fieldName(for: key), text))
            }
        }
        return fields
    }

    /// syslog priority (`PRIORITY=`) of a swift-log level.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return Int(LOG_DEBUG)
        case .info: return Int(LOG_INFO)
        case .notice: return Int(LOG_NOTICE)
        case .warning: return Int(LOG_WARNING)
        case .error: return Int(LOG_ERR)
        case .critical: return Int(LOG_CRIT)
        }
    }

    /// Journal field name for a metadata key: `switch` → `VALED_SWITCH`,
    /// `port` → `VALED_PORT`, `nic.name` → `VALED_NIC_NAME`. Keys already
    /// spelled as valed's journal fields (`VALED_…`) pass unchanged; any
    /// other key is prefixed, so metadata can never replace `MESSAGE`,
    /// `PRIORITY` or a trusted `_` field.
    public static func fieldName(for key: String) -> String {
        let isValedField = key.hasPrefix("VALED_") && key.count <= 64
            && key.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
        if isValedField { return key }
        let body = key.uppercased().map { ch -> Character in
            (ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9") ? ch : "_"
        }
        return String(("VALED_" + String(body)).prefix(64))
    }

    /// A number for `ERRNO=` from `16` or `EBUSY`.
    static func errnoNumber(_ text: String) -> Int32? {
        Int32(text) ?? Errno(name: text)?.rawValue
    }
}

/// Metadata precedence shared by valed's handlers: handler, then the
/// provider, then the log call's own (the most specific wins).
enum LogMetadataMerge {
    static func merge(handler: Logger.Metadata, provider: Logger.MetadataProvider?,
                      event: Logger.Metadata?) -> Logger.Metadata {
        var merged = handler
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let event { merged.merge(event) { _, new in new } }
        return merged
    }
}
