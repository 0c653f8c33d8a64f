import Glibc
import Logging

/// Picks valed's log handler: the journal under systemd, plain stderr lines otherwise.
public enum ValedLogging {
    /// True when valed runs as a systemd service whose output reaches the
    /// journal: `JOURNAL_STREAM` names the device and inode of our stderr
    /// (systemd.exec(5)), or `INVOCATION_ID` is set and journald's socket exists.
    public static func shouldUseJournal(environment: [String: String]? = nil,
                                        journalSocket: String = "/run/systemd/journal/socket") -> Bool {
        let env = { (key: String) -> String? in
            if let environment { return environment[key] }
            return getenv(key).map { String(cString: $0) }
        }
        if let stream = env("JOURNAL_STREAM") {
            var st = stat()
            if fstat(2, &st) == 0, stream == "\(st.st_dev):\(st.st_ino)" { return true }
        }
        if let invocation = env("INVOCATION_ID"), !invocation.isEmpty {
            return access(journalSocket, W_OK) == 0
        }
        return false
    }

    /// A handler for the logger `label`: `JournalLogHandler` when
    /// `shouldUseJournal`, else `StderrLogHandler`.
    /// `identifier` is the journal's SYSLOG_IDENTIFIER (vale-switchd passes its own).
    public static func makeHandler(label: String, useJournal: Bool? = nil,
                                   metadataProvider: Logger.MetadataProvider? = nil,
                                   identifier: String = "valed") -> any LogHandler {
        if useJournal ?? shouldUseJournal() {
            return JournalLogHandler(label: label, identifier: identifier, metadataProvider: metadataProvider)
        }
        return StderrLogHandler(label: label, metadataProvider: metadataProvider)
    }

    /// `LoggingSystem.bootstrap` with the handler `makeHandler` picks, at
    /// `level`. Call once, first thing in `main`.
    public static func bootstrap(level: Logger.Level = .info, identifier: String = "valed") {
        let journal = shouldUseJournal()
        LoggingSystem.bootstrap { label in
            var handler = makeHandler(label: label, useJournal: journal, identifier: identifier)
            handler.logLevel = level
            return handler
        }
    }
}
