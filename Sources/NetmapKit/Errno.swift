#if canImport(Glibc)
import Glibc
#endif

/// A C `errno` value as a typed, comparable Swift value.
///
/// NetmapKit reports every failed system call with one of these; the named
/// constants cover the errnos netmap returns (NETMAP-API.md 2.3.11) plus the
/// few the syscall layer itself handles.
public struct Errno: RawRepresentable, Hashable, Sendable, Error, CustomStringConvertible, Codable {
    /// The raw C `errno` number.
    public var rawValue: Int32

    /// Wraps a raw C `errno` number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `ENOENT` (2): no such file or directory.
    public static let noSuchFileOrDirectory = Errno(rawValue: 2)
    /// `EINTR` (4): interrupted system call.
    public static let interrupted = Errno(rawValue: 4)
    /// `EIO` (5): input/output error.
    public static let ioError = Errno(rawValue: 5)
    /// `ENXIO` (6): no such device or address.
    public static let noSuchDeviceOrAddress = Errno(rawValue: 6)
    /// `EBADF` (9): bad file descriptor.
    public static let badFileDescriptor = Errno(rawValue: 9)
    /// `EAGAIN` (11): resource temporarily unavailable.
    public static let wouldBlock = Errno(rawValue: 11)
    /// `ENOMEM` (12): cannot allocate memory.
    public static let outOfMemory = Errno(rawValue: 12)
    /// `EACCES` (13): permission denied.
    public static let permissionDenied = Errno(rawValue: 13)
    /// `EFAULT` (14): bad address.
    public static let badAddress = Errno(rawValue: 14)
    /// `EBUSY` (16): device or resource busy.
    public static let resourceBusy = Errno(rawValue: 16)
    /// `EEXIST` (17): file exists.
    public static let fileExists = Errno(rawValue: 17)
    /// `ENODEV` (19): no such device.
    public static let noSuchDevice = Errno(rawValue: 19)
    /// `EINVAL` (22): invalid argument.
    public static let invalidArgument = Errno(rawValue: 22)
    /// `EMSGSIZE` (90): message too long.
    public static let messageTooLong = Errno(rawValue: 90)
    /// `EOPNOTSUPP` (95): operation not supported.
    public static let notSupported = Errno(rawValue: 95)
    /// `ENOBUFS` (105): no buffer space available.
    public static let noBufferSpace = Errno(rawValue: 105)

    /// The current thread's `errno` (C `errno`).
    public static var current: Errno {
        #if canImport(Glibc)
        return Errno(rawValue: Glibc.errno)
        #else
        return Errno(rawValue: 0)
        #endif
    }

    /// The C symbol, e.g. `EBUSY`, or `errno N` for numbers without a name here.
    public var name: String {
        switch rawValue {
        case 1: "EPERM"
        case 2: "ENOENT"
        case 4: "EINTR"
        case 5: "EIO"
        case 6: "ENXIO"
        case 9: "EBADF"
        case 11: "EAGAIN"
        case 12: "ENOMEM"
        case 13: "EACCES"
        case 14: "EFAULT"
        case 16: "EBUSY"
        case 17: "EEXIST"
        case 19: "ENODEV"
        case 21: "EISDIR"
        case 22: "EINVAL"
        case 40: "ELOOP"
        case 90: "EMSGSIZE"
        case 95: "EOPNOTSUPP"
        case 105: "ENOBUFS"
        default: "errno \(rawValue)"
        }
    }

    /// The C library's message for this errno (`strerror`).
    public var message: String {
        #if canImport(Glibc)
        return String(cString: strerror(rawValue))
        #else
        return name
        #endif
    }

    /// `EBUSY`-style symbol, so error sentences can end in `(EBUSY)`.
    public var description: String { name }
}
