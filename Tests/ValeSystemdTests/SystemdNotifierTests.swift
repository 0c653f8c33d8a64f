import Foundation
import Glibc
import SystemCallSeam
import Testing
import TestSupport
@testable import ValeSystemd

extension SystemdProcessState {
    /// The notifier through libsystemd's real `sd_notify`, received on a real
    /// AF_UNIX datagram socket named by NOTIFY_SOCKET. Serialized: the
    /// environment is process-wide.
    @Suite("sd_notify messages on a datagram socket")
    struct SystemdNotifierTests {
        /// Runs `body` with NOTIFY_SOCKET pointing at a fresh socket.
        func withNotifySocket(_ body: (SystemdNotifier, DatagramSocket) throws -> Void) throws {
            let dir = try TemporaryDirectory(prefix: "valed-notify")
            defer { dir.remove() }
            let socket = try DatagramSocket(path: dir.path + "/notify")
            setenv("NOTIFY_SOCKET", socket.path, 1)
            defer { unsetenv("NOTIFY_SOCKET") }
            try body(SystemdNotifier(), socket)
        }

        @Test func readyWithStatus() throws {
            try withNotifySocket { notifier, socket in
                let sent = try notifier.ready(status: "2 switches, 5 ports")
                #expect(sent)
                #expect(socket.receiveString() == "READY=1\nSTATUS=2 switches, 5 ports")
                let sentAgain = try notifier.ready()
                #expect(sentAgain)
                #expect(socket.receiveString() == "READY=1")
            }
        }

        @Test func statusIsOneLine() throws {
            try withNotifySocket { notifier, socket in
                try notifier.status("reconciling\nvale0")
                #expect(socket.receiveString() == "STATUS=reconciling vale0")
            }
        }

        @Test func reloadingCarriesMonotonicTime() throws {
            try withNotifySocket { notifier, socket in
                try notifier.reloading(monotonicMicroseconds: 123_456_789)
                #expect(socket.receiveString() == "RELOADING=1\nMONOTONIC_USEC=123456789")
                let before = SystemdNotifier.monotonicMicroseconds()
                try notifier.reloading(status: "reloading /etc/valed/valed.yaml")
                let after = SystemdNotifier.monotonicMicroseconds()
                let lines = try #require(socket.receiveString()).split(separator: "\n").map(String.init)
                #expect(lines.count == 3)
                #expect(lines[0] == "RELOADING=1")
                #expect(lines[2] == "STATUS=reloading /etc/valed/valed.yaml")
                let usec = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
                #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
                #expect(usec >= before && usec <= after)
            }
        }

        @Test func stoppingAndWatchdog() throws {
            try withNotifySocket { notifier, socket in
                try notifier.stopping(status: "stopping; switches stay up")
                #expect(socket.receiveString() == "STOPPING=1\nSTATUS=stopping; switches stay up")
                try notifier.watchdog()
                #expect(socket.receiveString() == "WATCHDOG=1")
            }
        }

        @Test func withoutNotifySocketNothingIsSent() throws {
            unsetenv("NOTIFY_SOCKET")
            #expect(try SystemdNotifier().ready() == false)
        }

        @Test func unreachableNotifySocketIsAnError() throws {
            setenv("NOTIFY_SOCKET", "/nonexistent/valed-notify", 1)
            defer { unsetenv("NOTIFY_SOCKET") }
            let error = #expect(throws: SystemdError.self) { try SystemdNotifier().watchdog() }
            #expect(error?.errno == .noSuchFileOrDirectory)
            #expect(error?.message.hasSuffix("No such file or directory (ENOENT)") == true)
            #expect(error?.message.hasPrefix("sd_notify(WATCHDOG=1) failed") == true)
        }

        @Test func watchdogIntervalFromTheEnvironment() throws {
            setenv("WATCHDOG_USEC", "30000000", 1)
            setenv("WATCHDOG_PID", String(getpid()), 1)
            defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
            let notifier = SystemdNotifier()
            #expect(try notifier.watchdogTimeout() == .seconds(30))
            #expect(try notifier.watchdogPingInterval() == .seconds(15))
            // Meant for another process (a child that inherited the environment).
            setenv("WATCHDOG_PID", String(getpid() + 1), 1)
            #expect(try notifier.watchdogTimeout() == nil)
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
            #expect(try notifier.watchdogTimeout() == nil)
        }

        /// The seam: a recording transport sees the same strings.
        @Test func transportSeamReceivesTheExactState() throws {
            final class Recorder: SystemdNotifyTransport, @unchecked Sendable {
                var sent: [String] = []
                func notify(_ state: String) throws(SystemdError) -> Bool { sent.append(state); return true }
                func watchdogTimeoutMicroseconds() throws(SystemdError) -> UInt64? { 20_000_000 }
            }
            let recorder = Recorder()
            let notifier = SystemdNotifier(transport: recorder)
            try notifier.ready(status: "ok")
            try notifier.reloading(monotonicMicroseconds: 5)
            try notifier.stopping()
            #expect(recorder.sent == ["READY=1\nSTATUS=ok", "RELOADING=1\nMONOTONIC_USEC=5", "STOPPING=1"])
            #expect(try notifier.watchdogPingInterval() == .seconds(10))
        }
    }
}
