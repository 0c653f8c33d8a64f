import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on `<state>.lock`, held for the life of the
/// process: two vale-switchd with one state file would attach the same
/// interfaces twice and forward every frame twice.
final class StateLock {
    let path: String
    private let fd: Int32

    init(statePath: String) throws {
        path = statePath + ".lock"
        let folder = (statePath as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o755])
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ListenerError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another vale-switchd uses the state file \(statePath)" : String(cString: strerror(errno))
            // No close here: deinit runs for this fully initialized object
            // (a throwing class init does that) and closes it.
            throw ListenerError("cannot lock \(path): \(reason)")
        }
    }

    deinit { if fd >= 0 { close(fd) } }
}
