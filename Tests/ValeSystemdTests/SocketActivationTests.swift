import Foundation
import Glibc
import Testing
import TestSupport
@testable import ValeSystemd

extension SystemdProcessState {
    /// Socket activation with a real inherited socket: systemd's own
    /// `systemd-socket-activate` listens, passes the socket as fd 3 with
    /// LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES to a child running
    /// `socketActivationChildProcess`, which adopts it and answers on it.
    @Suite("sd_listen_fds with an inherited socket")
    struct SocketActivationTests {
        static let reportVariable = "VALED_TEST_LISTEN_REPORT"
        static let pathVariable = "VALED_TEST_LISTEN_PATH"

        @Test(.enabled(if: Shell.has("systemd-socket-activate"), "needs systemd-socket-activate (package systemd)"))
        func adoptsTheSocketSystemdPasses() throws {
            let dir = try TemporaryDirectory(prefix: "valed-listen")
            defer { dir.remove() }
            let socketPath = dir.path + "/valed.sock"
            let report = dir.path + "/report"
            let child = try ChildProcessTest.start(
                ["systemd-socket-activate", "-l", socketPath, "--fdname=valed.socket",
                 "-E", "\(Self.reportVariable)=\(report)", "-E", "\(Self.pathVariable)=\(socketPath)"]
                    + ChildProcessTest.arguments(runningOnly: "socketActivationChildProcess"),
                log: dir.path + "/child.log")
            defer { if child.isRunning { child.terminate() } }

            // systemd-socket-activate spawns the service on the first connection.
            var connection: Int32 = -1
            for _ in 0..<600 where connection < 0 {
                connection = UnixStream.connect(socketPath)
                if connection < 0 { usleep(50_000) }
            }
            try #require(connection >= 0, "systemd-socket-activate never listened on \(socketPath)")
            defer { close(connection) }
            #expect(UnixStream.readLine(connection) == "valed")
            child.waitUntilExit()
            let log = (try? String(contentsOfFile: dir.path + "/child.log", encoding: .utf8)) ?? ""
            let lines = try #require(try? String(contentsOfFile: report, encoding: .utf8), "child wrote no report: \(log)")
                .split(separator: "\n").map(String.init)
            #expect(lines == ["count=1", "fd=3 name=valed.socket listening=true", "environment-cleared=true", "control=3"])
            #expect(child.terminationStatus == 0, "child test failed: \(log)")
        }

        /// The child half: runs only under systemd-socket-activate.
        @Test(.enabled(if: ChildProcessTest.environment(SocketActivationTests.reportVariable) != nil,
                       "runs only as the child of adoptsTheSocketSystemdPasses"))
        func socketActivationChildProcess() throws {
            let report = try #require(ChildProcessTest.environment(Self.reportVariable))
            let path = try #require(ChildProcessTest.environment(Self.pathVariable))
            let sockets = try SocketActivation.listenFileDescriptors()
            var lines = ["count=\(sockets.count)"]
            for socket in sockets {
                lines.append("fd=\(socket.fileDescriptor) name=\(socket.name) listening=\(SocketActivation.isListeningUnixStreamSocket(socket.fileDescriptor, path: path))")
            }
            lines.append("environment-cleared=\(getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil)")
            let control = SocketActivation.controlSocket(in: sockets, path: path)
            lines.append("control=\(control.map { String($0.fileDescriptor) } ?? "none")")
            try lines.joined(separator: "\n").write(toFile: report, atomically: true, encoding: .utf8)
            let listener = try #require(control)
            let connection = accept(listener.fileDescriptor, nil, nil)
            try #require(connection >= 0)
            _ = "valed\n".withCString { write(connection, $0, 6) }
            close(connection)
        }

        @Test func withoutSystemdThereAreNoSockets() throws {
            // LISTEN_PID names another process: the sockets are not ours.
            setenv("LISTEN_PID", String(getpid() + 1), 1)
            setenv("LISTEN_FDS", "1", 1)
            defer { unsetenv("LISTEN_PID"); unsetenv("LISTEN_FDS") }
            #expect(try SocketActivation.listenFileDescriptors(unsetEnvironment: false).isEmpty)
        }
    }
}

/// Minimal blocking AF_UNIX stream client for the tests.
enum UnixStream {
    static func connect(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
