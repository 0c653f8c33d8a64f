#if canImport(Glibc)
import Glibc
#endif
import CNetmap
// `Errno` lives in SystemCallSeam, the errno type of every library; NetmapKit
// published it first, so its users keep seeing it through `import NetmapKit`.
@_exported import SystemCallSeam

/// The one seam through which every NetmapKit system call passes.
///
/// Production code uses ``LiveNetmapSystemCalls``; unit tests pass a recorder
/// or a model of the kernel to assert the exact bytes of each request and to
/// inject errnos. Every method throws the call's `errno` as an ``Errno``.
public protocol NetmapSystemCalls: Sendable {
    /// `open(2)`: returns a file descriptor.
    func open(_ path: String, flags: Int32) throws(Errno) -> Int32
    /// `close(2)`.
    func close(_ fd: Int32) throws(Errno)
    /// `ioctl(2)` with a pointer argument (or none, for `NIOCTXSYNC`/`NIOCRXSYNC`).
    /// `request` is the C `unsigned long` request number.
    func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32
    /// `mmap(2)` of `length` bytes of `fd` at `offset`.
    func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer
    /// `munmap(2)`.
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno)
    /// `poll(2)` on `descriptors`; returns how many have events.
    func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int
}

/// The real system calls: Glibc, plus the CNetmap `cnetmap_ioctl` shim
/// because Glibc's variadic `ioctl` does not import into Swift.
public struct LiveNetmapSystemCalls: NetmapSystemCalls {
    /// Creates the live seam.
    public init() {}

    /// `open(2)`, with `O_CLOEXEC` added so netmap fds do not leak into children.
    public func open(_ path: String, flags: Int32) throws(Errno) -> Int32 {
        try retryingInterrupts { Glibc.open(path, flags | O_CLOEXEC) }
    }

    /// `close(2)`. Not retried on `EINTR`: on Linux the fd is released anyway
    /// (a retry could close a descriptor another thread just got).
    public func close(_ fd: Int32) throws(Errno) {
        if case .failure(let error) = valueOrErrno(retryOnInterrupt: false, { Glibc.close(fd) }), error != .interrupted {
            throw error
        }
    }

    /// `ioctl(2)` through `cnetmap_ioctl`.
    public func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        try retryingInterrupts { cnetmap_ioctl(fd, request, argument) }
    }

    /// `mmap(2)`; `MAP_FAILED` becomes the thrown errno.
    public func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        let failedAddress = UnsafeMutableRawPointer(bitPattern: -1)
        let address = try valueOrErrno(
            { Glibc.mmap(nil, length, protection, flags, fd, off_t(offset)) },
            failed: { $0 == nil || $0 == failedAddress }).get()
        guard let address else { throw Errno.outOfMemory }
        return address
    }

    /// `munmap(2)`.
    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
        _ = try retryingInterrupts { Glibc.munmap(address, length) }
    }

    /// `poll(2)`.
    public func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int {
        Int(try retryingInterrupts { Glibc.poll(descriptors.baseAddress, nfds_t(descriptors.count), timeout) })
    }
}
