#if canImport(Glibc)
import Glibc
#endif

/// A C `errno` value as a typed, comparable Swift value: the one errno type
/// of valed's libraries (swift-system's `Errno`, plus the C name messages
/// end with and `Codable` for state files and test logs).
///
/// Constants are named the way swift-system names them, except those
/// NetmapKit published first (`outOfMemory`, `noSuchDevice`,
/// `noSuchDeviceOrAddress`, `notSupported`, `wouldBlock`), which keep their names.
public struct Errno: RawRepresentable, Hashable, Sendable, Error, CustomStringConvertible, Codable {
    /// The raw C `errno` number (positive).
    public var rawValue: Int32

    /// Wraps a raw C `errno` number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The current thread's `errno` (C `errno`).
    public static var current: Errno {
        #if canImport(Glibc)
        return Errno(rawValue: Glibc.errno)
        #else
        return Errno(rawValue: 0)
        #endif
    }

    /// The C symbol, e.g. `EBUSY`, or `errno N` for a number without a name.
    public var name: String { Self.names[rawValue] ?? "errno \(rawValue)" }

    /// The errno whose C symbol is `name` (`EBUSY`; aliases such as
    /// `EWOULDBLOCK` and `ENOTSUP` too), or nil.
    public init?(name: String) {
        guard let value = Self.numbers[name] else { return nil }
        self.init(rawValue: value)
    }

    /// The C library's message for this errno (`strerror`), e.g. `Device or resource busy`.
    public var message: String {
        #if canImport(Glibc)
        return String(cString: strerror(rawValue))
        #else
        return name
        #endif
    }

    /// `Device or resource busy (EBUSY)`: the message with the symbol, the
    /// way valed's sentences end.
    public var explanation: String { "\(message) (\(name))" }

    /// `EBUSY`-style symbol, so error sentences can end in `(EBUSY)`.
    public var description: String { name }
}

// MARK: Constants

extension Errno {
    /// `EPERM`: operation not permitted.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`: no such file or directory.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `ESRCH`: no such process.
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    /// `EINTR`: interrupted system call.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EIO`: input/output error.
    public static let ioError = Errno(rawValue: EIO)
    /// `ENXIO`: no such device or address.
    public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
    /// `ENOEXEC`: exec format error (a module file the kernel cannot load).
    public static let execFormatError = Errno(rawValue: ENOEXEC)
    /// `EBADF`: bad file descriptor.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EAGAIN` (= `EWOULDBLOCK`): resource temporarily unavailable.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `ENOMEM`: cannot allocate memory.
    public static let outOfMemory = Errno(rawValue: ENOMEM)
    /// `EACCES`: permission denied.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EFAULT`: bad address.
    public static let badAddress = Errno(rawValue: EFAULT)
    /// `EBUSY`: device or resource busy.
    public static let resourceBusy = Errno(rawValue: EBUSY)
    /// `EEXIST`: file exists.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// `ENODEV`: no such device.
    public static let noSuchDevice = Errno(rawValue: ENODEV)
    /// `ENOTDIR`: not a directory.
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    /// `EISDIR`: is a directory.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// `EMFILE`: too many open files (in this process).
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// `EINVAL`: invalid argument.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `EROFS`: read-only file system.
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    /// `ERANGE`: numerical result out of range.
    public static let outOfRange = Errno(rawValue: ERANGE)
    /// `ENOSYS`: function not implemented.
    public static let noFunction = Errno(rawValue: ENOSYS)
    /// `EBADMSG`: bad message (a module signature the kernel cannot parse).
    public static let badMessage = Errno(rawValue: EBADMSG)
    /// `EMSGSIZE`: message too long.
    public static let messageTooLong = Errno(rawValue: EMSGSIZE)
    /// `ENOPROTOOPT`: protocol not available (an unknown socket option).
    public static let protocolNotAvailable = Errno(rawValue: ENOPROTOOPT)
    /// `EAFNOSUPPORT`: address family not supported.
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    /// `EOPNOTSUPP` (= `ENOTSUP`): operation not supported.
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    /// `ENETDOWN`: network is down.
    public static let networkDown = Errno(rawValue: ENETDOWN)
    /// `ENETUNREACH`: network is unreachable.
    public static let networkUnreachable = Errno(rawValue: ENETUNREACH)
    /// `ENOBUFS`: no buffer space available.
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    /// `ETIMEDOUT`: connection timed out.
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    /// `ENOKEY`: required key not available (an unsigned module under lockdown).
    public static let noKey = Errno(rawValue: ENOKEY)
    /// `EKEYREJECTED`: key was rejected by service (a module signed by an unknown key).
    public static let keyRejected = Errno(rawValue: EKEYREJECTED)
}
