import Foundation
import SystemCallSeam
#if canImport(Glibc)
import Glibc
#endif

/// Preparing the path of a listening Unix socket. Each libc call here is
/// one the control server makes once at start and stop.
enum UnixSocketPath {
    /// Creates the parent directory (mode 0755) and removes a stale socket
    /// file left by a valed that did not stop cleanly. A socket someone is
    /// still listening on, or a file that is not a socket, is an error.
    static func prepare(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw ControlServerError("cannot create the directory \(parent) for the control socket: \(error.localizedDescription)")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ControlServerError("cannot listen on \(path): the path exists and is not a socket")
        }
        if isListening(path) {
            throw ControlServerError("cannot listen on \(path): another process (another valed?) is listening on it")
        }
        if case .failure(let error) = valueOrErrno({ unlink(path) }), error != .noSuchFileOrDirectory {
            throw ControlServerError("cannot remove the stale socket \(path): \(error.explanation)")
        }
    }

    /// True when a connect(2) to `path` succeeds.
    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        // connect(2) is not retried after EINTR (the connection goes on in
        // the background); one try answers "is anyone listening".
        let result = valueOrErrno(retryOnInterrupt: false) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        return (try? result.get()) != nil
    }

    /// chmod(2): the socket is open to every local user; each method
    /// checks the caller.
    static func setMode(_ path: String, _ mode: UInt32) throws {
        if case .failure(let error) = valueOrErrno({ chmod(path, mode_t(mode)) }) {
            throw ControlServerError("cannot set the mode of \(path): \(error.explanation)")
        }
    }
}

/// A control server failure, described by a sentence.
public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
