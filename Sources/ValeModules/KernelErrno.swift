import Glibc

/// An errno returned by a module system call or a /sys access, kept as a
/// value so messages can name it (`EBUSY`) and tests can inject it.
public struct KernelErrno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive errno number (`errno.h`).
    public let rawValue: Int32

    /// Wraps a positive errno number.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The symbolic name, e.g. `EBUSY`, or `errno N` for uncommon values.
    public var name: String { Self.names[rawValue] ?? "errno \(rawValue)" }

    /// `strerror(3)` text for this errno.
    public var explanation: String { String(cString: strerror(rawValue)) }

    public var description: String { "\(explanation) (\(name))" }

    public static let EPERM = KernelErrno(Glibc.EPERM)
    public static let ENOENT = KernelErrno(Glibc.ENOENT)
    public static let EBADF = KernelErrno(Glibc.EBADF)
    public static let EAGAIN = KernelErrno(Glibc.EAGAIN)
    public static let EACCES = KernelErrno(Glibc.EACCES)
    public static let EBUSY = KernelErrno(Glibc.EBUSY)
    public static let EEXIST = KernelErrno(Glibc.EEXIST)
    public static let EINVAL = KernelErrno(Glibc.EINVAL)
    public static let ENOEXEC = KernelErrno(Glibc.ENOEXEC)
    public static let ENOSYS = KernelErrno(Glibc.ENOSYS)
    public static let EROFS = KernelErrno(Glibc.EROFS)
    public static let EWOULDBLOCK = KernelErrno(Glibc.EWOULDBLOCK)
    public static let EKEYREJECTED = KernelErrno(Glibc.EKEYREJECTED)
    public static let ENOKEY = KernelErrno(Glibc.ENOKEY)
    public static let EBADMSG = KernelErrno(Glibc.EBADMSG)

    private static let names: [Int32: String] = [
        Glibc.EPERM: "EPERM", Glibc.ENOENT: "ENOENT", Glibc.EINTR: "EINTR", Glibc.EIO: "EIO",
        Glibc.ENOEXEC: "ENOEXEC", Glibc.EBADF: "EBADF", Glibc.EAGAIN: "EAGAIN",
        Glibc.ENOMEM: "ENOMEM", Glibc.EACCES: "EACCES", Glibc.EFAULT: "EFAULT",
        Glibc.EBUSY: "EBUSY", Glibc.EEXIST: "EEXIST", Glibc.ENODEV: "ENODEV",
        Glibc.ENOTDIR: "ENOTDIR", Glibc.EISDIR: "EISDIR", Glibc.EINVAL: "EINVAL",
        Glibc.EROFS: "EROFS", Glibc.ENOSYS: "ENOSYS", Glibc.EOPNOTSUPP: "EOPNOTSUPP",
        Glibc.EKEYREJECTED: "EKEYREJECTED", Glibc.ENOKEY: "ENOKEY", Glibc.EBADMSG: "EBADMSG",
        Glibc.ETXTBSY: "ETXTBSY", Glibc.EFBIG: "EFBIG",
    ]
}
