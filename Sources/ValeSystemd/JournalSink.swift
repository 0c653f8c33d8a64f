import CSystemd
import Glibc

/// One journal field, `NAME=value`. Names are upper-case letters, digits
/// and underscores, not starting with an underscore (journald's rule).
public struct JournalField: Hashable, Sendable, CustomStringConvertible {
    /// Field name, e.g. `VALED_SWITCH`.
    public var name: String
    /// Field value; may contain newlines (libsystemd sends those in binary form).
    public var value: String

    /// Creates a field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name)=\(value)" }
}

/// The seam under `JournalLogHandler`: one structured entry per call.
public protocol JournalSink: Sendable {
    /// Sends one entry: `sd_journal_sendv` with one iovec per field.
    func send(_ fields: [JournalField]) throws(SystemdError)
}

/// The real journal, through `sd_journal_sendv` (the variadic
/// `sd_journal_send` does not import into Swift).
public struct LibsystemdJournalSink: JournalSink {
    /// Creates the live sink.
    public init() {}

    public func send(_ fields: [JournalField]) throws(SystemdError) {
        var buffers = fields.map { Array("\($0.name)=\($0.value)".utf8) }
        let rc: Int32 = buffers.withUnsafeMutableBufferPointer { storage in
            var vectors: [iovec] = []
            vectors.reserveCapacity(storage.count)
            for index in storage.indices {
                storage[index].withUnsafeMutableBytes { raw in
                    vectors.append(iovec(iov_base: raw.baseAddress, iov_len: raw.count))
                }
            }
            // The byte arrays stay alive and unmoved for the whole closure.
            return sd_journal_sendv(vectors, Int32(vectors.count))
        }
        if rc < 0 { throw SystemdError.call("sd_journal_sendv", returned: rc) }
    }
}
