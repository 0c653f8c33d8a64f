#if canImport(Glibc)
import Glibc
#endif

/// The C symbols of Linux's errno values: the one table behind
/// ``Errno/name`` and ``Errno/init(name:)``.
extension Errno {
    static let table: [(Int32, String)] = [
        (EPERM, "EPERM"), (ENOENT, "ENOENT"), (ESRCH, "ESRCH"), (EINTR, "EINTR"), (EIO, "EIO"),
        (ENXIO, "ENXIO"), (E2BIG, "E2BIG"), (ENOEXEC, "ENOEXEC"), (EBADF, "EBADF"), (ECHILD, "ECHILD"),
        (EAGAIN, "EAGAIN"), (ENOMEM, "ENOMEM"), (EACCES, "EACCES"), (EFAULT, "EFAULT"), (ENOTBLK, "ENOTBLK"),
        (EBUSY, "EBUSY"), (EEXIST, "EEXIST"), (EXDEV, "EXDEV"), (ENODEV, "ENODEV"), (ENOTDIR, "ENOTDIR"),
        (EISDIR, "EISDIR"), (EINVAL, "EINVAL"), (ENFILE, "ENFILE"), (EMFILE, "EMFILE"), (ENOTTY, "ENOTTY"),
        (ETXTBSY, "ETXTBSY"), (EFBIG, "EFBIG"), (ENOSPC, "ENOSPC"), (ESPIPE, "ESPIPE"), (EROFS, "EROFS"),
        (EMLINK, "EMLINK"), (EPIPE, "EPIPE"), (EDOM, "EDOM"), (ERANGE, "ERANGE"), (EDEADLK, "EDEADLK"),
        (ENAMETOOLONG, "ENAMETOOLONG"), (ENOLCK, "ENOLCK"), (ENOSYS, "ENOSYS"), (ENOTEMPTY, "ENOTEMPTY"),
        (ELOOP, "ELOOP"), (ENOMSG, "ENOMSG"), (EIDRM, "EIDRM"), (ENODATA, "ENODATA"), (ETIME, "ETIME"),
        (EPROTO, "EPROTO"), (EBADMSG, "EBADMSG"), (EOVERFLOW, "EOVERFLOW"), (EILSEQ, "EILSEQ"),
        (ENOTSOCK, "ENOTSOCK"), (EDESTADDRREQ, "EDESTADDRREQ"), (EMSGSIZE, "EMSGSIZE"),
        (EPROTOTYPE, "EPROTOTYPE"), (ENOPROTOOPT, "ENOPROTOOPT"), (EPROTONOSUPPORT, "EPROTONOSUPPORT"),
        (ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"), (EOPNOTSUPP, "EOPNOTSUPP"), (EPFNOSUPPORT, "EPFNOSUPPORT"),
        (EAFNOSUPPORT, "EAFNOSUPPORT"), (EADDRINUSE, "EADDRINUSE"), (EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (ENETDOWN, "ENETDOWN"), (ENETUNREACH, "ENETUNREACH"), (ENETRESET, "ENETRESET"),
        (ECONNABORTED, "ECONNABORTED"), (ECONNRESET, "ECONNRESET"), (ENOBUFS, "ENOBUFS"),
        (EISCONN, "EISCONN"), (ENOTCONN, "ENOTCONN"), (ESHUTDOWN, "ESHUTDOWN"), (ETIMEDOUT, "ETIMEDOUT"),
        (ECONNREFUSED, "ECONNREFUSED"), (EHOSTDOWN, "EHOSTDOWN"), (EHOSTUNREACH, "EHOSTUNREACH"),
        (EALREADY, "EALREADY"), (EINPROGRESS, "EINPROGRESS"), (ESTALE, "ESTALE"), (EDQUOT, "EDQUOT"),
        (ECANCELED, "ECANCELED"), (ENOKEY, "ENOKEY"), (EKEYEXPIRED, "EKEYEXPIRED"),
        (EKEYREVOKED, "EKEYREVOKED"), (EKEYREJECTED, "EKEYREJECTED"), (EOWNERDEAD, "EOWNERDEAD"),
        (ENOTRECOVERABLE, "ENOTRECOVERABLE"), (ERFKILL, "ERFKILL"), (EHWPOISON, "EHWPOISON"),
    ]

    /// Number → symbol; Linux's aliases share a number, the table lists the first name only.
    static let names: [Int32: String] = Dictionary(table, uniquingKeysWith: { first, _ in first })

    /// Symbol → number, aliases included.
    static let numbers: [String: Int32] = Dictionary(table.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        .merging([("EWOULDBLOCK", EWOULDBLOCK), ("ENOTSUP", ENOTSUP), ("EDEADLOCK", EDEADLOCK)], uniquingKeysWith: { first, _ in first })
}
