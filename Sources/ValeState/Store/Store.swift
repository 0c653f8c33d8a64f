import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The on-disk store in the state directory (/var/lib/valed). Writes are
/// atomic: a temporary file in the same directory, fsync, rename, fsync of
/// the directory — a crash leaves either the old or the new state, never a
/// torn one.
public final class Store: Sendable {
    public let directory: String
    public var path: String { directory + "/state.json" }
    private let lockFD: Int32

    /// Opens (creating if needed) the state directory and takes an exclusive
    /// lock on it, so two valeds never share one store.
    public init(directory: String) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw StoreError("cannot create state directory \(directory): \(error.localizedDescription)")
        }
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot open \(directory)/lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError("state directory \(directory) is in use by another valed")
        }
        lockFD = fd
    }

    deinit { close(lockFD) }

    /// The stored state, or an empty one on first start.
    public func load() throws -> StoredState {
        guard let data = FileManager.default.contents(atPath: path) else { return StoredState() }
        do {
            let state = try JSONDecoder().decode(StoredState.self, from: data)
            guard state.format <= StoredState.currentFormat else {
                throw StoreError("\(path) has format \(state.format); this valed reads up to \(StoredState.currentFormat)")
            }
            return state
        } catch let error as StoreError { throw error } catch {
            throw StoreError("\(path) is unreadable (\(error)); move it away to start from the configuration file alone")
        }
    }

    /// Replaces the stored state atomically.
    public func save(_ state: StoredState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        try Store.writeAtomically(data, to: path)
    }

    /// Writes `data` to `path` through a temporary file, fsync and rename.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = "\(path).tmp.\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot write \(temp): \(String(cString: strerror(errno)))") }
        var ok = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let savedErrno = errno
        close(fd)
        guard ok else {
            unlink(temp)
            throw StoreError("cannot write \(temp): \(String(cString: strerror(savedErrno)))")
        }
        guard rename(temp, path) == 0 else {
            let e = errno; unlink(temp)
            throw StoreError("cannot replace \(path): \(String(cString: strerror(e)))")
        }
        let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }
}

/// A failure of the state store, as a sentence.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
