import Foundation
import SystemCallSeam
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
    private let calls: any FileSystemCalls

    /// Opens (creating if needed) the state directory and takes an exclusive
    /// lock on it, so two valeds never share one store.
    public init(directory: String, systemCalls: any FileSystemCalls = LiveFileSystemCalls()) throws {
        self.directory = directory
        self.calls = systemCalls
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw StoreError("cannot create state directory \(directory): \(error.localizedDescription)")
        }
        let fd: Int32
        switch calls.open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600) {
        case .success(let opened): fd = opened
        case .failure(let e): throw StoreError("cannot open \(directory)/lock: \(e.explanation)", errno: e)
        }
        if case .failure(let e) = calls.flock(fd, LOCK_EX | LOCK_NB) {
            calls.close(fd)
            guard e == .wouldBlock else { throw StoreError("cannot lock \(directory)/lock: \(e.explanation)", errno: e) }
            throw StoreError("state directory \(directory) is in use by another valed", errno: e)
        }
        lockFD = fd
    }

    deinit { calls.close(lockFD) }

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
        try Store.writeAtomically(data, to: path, calls: calls)
    }

    /// Writes `data` to `path` through a temporary file, fsync and rename;
    /// on any failure the temporary file is removed and `path` is untouched.
    public static func writeAtomically(_ data: Data, to path: String, calls: any FileSystemCalls = LiveFileSystemCalls()) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = "\(path).tmp.\(getpid())"
        let fd: Int32
        switch calls.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) {
        case .success(let opened): fd = opened
        case .failure(let e): throw StoreError("cannot write \(temp): \(e.explanation)", errno: e)
        }
        let written = data.withUnsafeBytes { calls.writeAll(fd, $0) }.flatMap { calls.fsync(fd) }
        calls.close(fd)
        if case .failure(let e) = written {
            _ = calls.unlink(temp)
            throw StoreError("cannot write \(temp): \(e.explanation)", errno: e)
        }
        if case .failure(let e) = calls.rename(temp, path) {
            _ = calls.unlink(temp)
            throw StoreError("cannot replace \(path): \(e.explanation)", errno: e)
        }
        // The rename is durable once the directory is synced; a failure here
        // leaves the new state in place, so it is not an error of the save.
        if case .success(let dirFD) = calls.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) {
            _ = calls.fsync(dirFD)
            calls.close(dirFD)
        }
    }
}

/// A failure of the state store, as a sentence.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The system call's errno, when one failed.
    public var errno: Errno?
    init(_ description: String, errno: Errno? = nil) { self.description = description; self.errno = errno }
}
