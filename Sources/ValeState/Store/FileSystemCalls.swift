import SystemCallSeam
#if canImport(Glibc)
import Glibc
#endif

/// The store's file calls: its system-call seam (docs/design.md, "System-call
/// seam"). Failures are `Errno`s and EINTR is retried in SystemCallSeam's one
/// loop; tests replace it to make a write, fsync or rename fail.
public protocol FileSystemCalls: Sendable {
    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno>
    /// write(2) of the whole buffer, resuming after short writes.
    func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno>
    func fsync(_ fd: Int32) -> Result<Void, Errno>
    func rename(_ from: String, _ to: String) -> Result<Void, Errno>
    func unlink(_ path: String) -> Result<Void, Errno>
    func flock(_ fd: Int32, _ operation: Int32) -> Result<Void, Errno>
    func close(_ fd: Int32)
}

/// The real calls.
public struct LiveFileSystemCalls: FileSystemCalls {
    public init() {}

    public func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno> {
        valueOrErrno { Glibc.open(path, flags, mode) }
    }

    public func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        var offset = 0
        while offset < buffer.count {
            switch valueOrErrno({ Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset) }) {
            case .success(let n): offset += n
            case .failure(let error): return .failure(error)
            }
        }
        return .success(())
    }

    public func fsync(_ fd: Int32) -> Result<Void, Errno> { valueOrErrno { Glibc.fsync(fd) }.map { _ in () } }

    public func rename(_ from: String, _ to: String) -> Result<Void, Errno> {
        valueOrErrno { Glibc.rename(from, to) }.map { _ in () }
    }

    public func unlink(_ path: String) -> Result<Void, Errno> { valueOrErrno { Glibc.unlink(path) }.map { _ in () } }

    public func flock(_ fd: Int32, _ operation: Int32) -> Result<Void, Errno> {
        let lockFile: (Int32, Int32) -> Int32 = Glibc.flock(_:_:)  // the function, not the struct of the same name
        return valueOrErrno { lockFile(fd, operation) }.map { _ in () }
    }

    /// close(2) is not retried: on Linux the descriptor is gone even after EINTR.
    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
