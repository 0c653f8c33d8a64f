import Foundation
import Glibc
import Logging
import Synchronization
import Testing
import TestSupport
@testable import ValeSystemd

/// Records the fields the handler would send to journald.
final class RecordingJournalSink: JournalSink {
    let entries = Mutex<[[JournalField]]>([])
    func send(_ fields: [JournalField]) throws(SystemdError) { entries.withLock { $0.append(fields) } }
}

extension SystemdProcessState {
    @Suite("journal and stderr log handlers")
    struct JournalLogHandlerTests {
        @Test func structuredFieldsFromMetadata() throws {
            let sink = RecordingJournalSink()
            var logger = Logger(label: "valed.engine") { JournalLogHandler(label: $0, sink: sink) }
            logger[metadataKey: "switch"] = "vale0"
            logger.warning("cannot attach vale0:eth1: eth1 is already attached to vale1 (EBUSY)",
                           metadata: ["port": "eth1", "errno": "EBUSY", "attempt": "2"])
            let entries = sink.entries.withLock { $0 }
            let fields = try #require(entries.first)
            #expect(entries.count == 1)
            let byName = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["MESSAGE"] == "cannot attach vale0:eth1: eth1 is already attached to vale1 (EBUSY)")
            #expect(byName["PRIORITY"] == "4")
            #expect(byName["SYSLOG_IDENTIFIER"] == "valed")
            #expect(byName["VALED_LOGGER"] == "valed.engine")
            #expect(byName["VALED_SWITCH"] == "vale0")
            #expect(byName["VALED_PORT"] == "eth1")
            #expect(byName["ERRNO"] == "16")
            #expect(byName["VALED_ERRNO_NAME"] == "EBUSY")
            #expect(byName["VALED_ATTEMPT"] == "2")
            #expect(byName["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
            #expect(byName["CODE_FUNC"] == "structuredFieldsFromMetadata()")
            #expect(Int(byName["CODE_LINE"] ?? "") != nil)
            #expect(fields.count == byName.count)   // no field twice
            #expect(fields.prefix(2).map(\.name) == ["MESSAGE", "PRIORITY"])
        }

        @Test func exactFieldListAndPriorities() {
            let fields = JournalLogHandler.fields(level: .error, message: "netmap disappeared", metadata: ["errno": "19"],
                                                  label: "valed.modules", identifier: "valed",
                                                  file: "ValeDaemon/Engine.swift", function: "reconcile()", line: 42)
            #expect(fields.map(\.description) == [
                "MESSAGE=netmap disappeared", "PRIORITY=3", "SYSLOG_IDENTIFIER=valed", "VALED_LOGGER=valed.modules",
                "CODE_FILE=ValeDaemon/Engine.swift", "CODE_LINE=42", "CODE_FUNC=reconcile()", "ERRNO=19",
            ])
            #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority(of:))
                    == [7, 7, 6, 5, 4, 3, 2])
            #expect(JournalLogHandler.fieldName(for: "nic.name") == "VALED_NIC_NAME")
            #expect(JournalLogHandler.fieldName(for: "VALED_SWITCH") == "VALED_SWITCH")
            #expect(JournalLogHandler.fieldName(for: "_PID") == "VALED__PID")  // trusted fields cannot be forged
        #expect(JournalLogHandler.fieldName(for: "MESSAGE") == "VALED_MESSAGE")
        #expect(JournalLogHandler.fieldName(for: "PRIORITY") == "VALED_PRIORITY")
        }

        @Test func plainStderrLines() {
            let lines = Mutex<[String]>([])
            var logger = Logger(label: "valed") { StderrLogHandler(label: $0, timestamps: false) { line in lines.withLock { $0.append(line) } } }
            logger.logLevel = .debug
            logger.info("attached", metadata: ["switch": "vale0", "port": "eth1"])
            logger.debug("status", metadata: ["summary": "2 switches"])
            logger.trace("not shown")
            #expect(lines.withLock { $0 } == ["info valed: attached port=eth1 switch=vale0\n",
                                              "debug valed: status summary=\"2 switches\"\n"])
        }

        @Test func picksTheJournalOnlyUnderSystemd() throws {
            var st = stat()
            #expect(fstat(2, &st) == 0)
            let matching = "\(st.st_dev):\(st.st_ino)"
            #expect(ValedLogging.shouldUseJournal(environment: ["JOURNAL_STREAM": matching]))
            // stderr redirected elsewhere (valed started by hand from a unit's shell).
            #expect(!ValedLogging.shouldUseJournal(environment: ["JOURNAL_STREAM": "1:1"]))
            #expect(!ValedLogging.shouldUseJournal(environment: [:]))
            let dir = try TemporaryDirectory(prefix: "valed-journal")
            defer { dir.remove() }
            let socket = try DatagramSocket(path: dir.path + "/socket")
            #expect(ValedLogging.shouldUseJournal(environment: ["INVOCATION_ID": "0123abcd"], journalSocket: socket.path))
            #expect(!ValedLogging.shouldUseJournal(environment: ["INVOCATION_ID": "0123abcd"], journalSocket: dir.path + "/none"))
            #expect(ValedLogging.makeHandler(label: "x", useJournal: true) is JournalLogHandler)
            #expect(ValedLogging.makeHandler(label: "x", useJournal: false) is StderrLogHandler)
        }
    }
}

extension SystemdProcessState {
    /// The live `sd_journal_sendv` path: a child of this test binary in a
    /// private mount namespace binds its own /run/systemd/journal/socket (the
    /// path libsystemd always uses), logs through `JournalLogHandler`, and
    /// decodes journald's native protocol. The host's /run is not touched.
    @Suite("sd_journal_sendv on a stand-in journald socket")
    struct LiveJournalTests {
        static let reportVariable = "VALED_TEST_JOURNAL_REPORT"

        @Test(.enabled(if: TestHost.isRoot && Shell.has("unshare"), "needs root and unshare for a private mount namespace"))
        func journalReceivesStructuredFields() throws {
            let dir = try TemporaryDirectory(prefix: "valed-journal")
            defer { dir.remove() }
            let report = dir.path + "/report"
            let script = "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && exec \"$@\""
            let child = try ChildProcessTest.start(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
                    + ChildProcessTest.arguments(runningOnly: "journalChildProcess"),
                log: dir.path + "/child.log", environment: [Self.reportVariable: report])
            child.waitUntilExit()
            let log = (try? String(contentsOfFile: dir.path + "/child.log", encoding: .utf8)) ?? ""
            let text = try #require(try? String(contentsOfFile: report, encoding: .utf8), "child wrote no report: \(log)")
            let fields = text.split(separator: "\u{1}").map(String.init)
            #expect(fields.contains("MESSAGE=detached vale0:eth1\nrestored flags"))
            #expect(fields.contains("PRIORITY=5"))
            #expect(fields.contains("VALED_SWITCH=vale0"))
            #expect(fields.contains("VALED_PORT=eth1"))
            #expect(fields.contains("ERRNO=6"))
            #expect(fields.contains("SYSLOG_IDENTIFIER=valed"))
            #expect(child.terminationStatus == 0, "child test failed: \(log)")
        }

        @Test(.enabled(if: ChildProcessTest.environment(LiveJournalTests.reportVariable) != nil,
                       "runs only as the child of journalReceivesStructuredFields"))
        func journalChildProcess() throws {
            let report = try #require(ChildProcessTest.environment(Self.reportVariable))
            let journald = try DatagramSocket(path: "/run/systemd/journal/socket")
            let logger = Logger(label: "valed.engine") { JournalLogHandler(label: $0) }
            logger.notice("detached vale0:eth1\nrestored flags", metadata: ["switch": "vale0", "port": "eth1", "errno": "ENXIO"])
            let datagram = try #require(journald.receive())
            let fields = try Self.decodeNativeProtocol(datagram)
            try fields.joined(separator: "\u{1}").write(toFile: report, atomically: true, encoding: .utf8)
            #expect(fields.contains("VALED_SWITCH=vale0"))
        }

        /// journald's native protocol: `NAME=value\n`, or for values with a
        /// newline `NAME\n` + 64-bit little-endian length + bytes + `\n`.
        static func decodeNativeProtocol(_ bytes: [UInt8]) throws -> [String] {
            var fields: [String] = []
            var index = 0
            while index < bytes.count {
                guard let end = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "=") }) else { break }
                let name = String(decoding: bytes[index..<end], as: UTF8.self)
                if bytes[end] == UInt8(ascii: "=") {
                    let lineEnd = bytes[end...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                    fields.append(name + "=" + String(decoding: bytes[(end + 1)..<lineEnd], as: UTF8.self))
                    index = lineEnd + 1
                } else {
                    var length = 0
                    for i in 0..<8 { length |= Int(bytes[end + 1 + i]) << (8 * i) }
                    let start = end + 9
                    fields.append(name + "=" + String(decoding: bytes[start..<(start + length)], as: UTF8.self))
                    index = start + length + 1
                }
            }
            return fields
        }
    }
}
