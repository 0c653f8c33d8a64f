#if canImport(Glibc)
import Glibc
#endif

// The one EINTR loop of valed's libraries, as swift-system writes it
// (`valueOrErrno(retryOnInterrupt:_:)` in Internals/Syscalls.swift and
// Util.swift): run the call again while it fails with EINTR, turn any other
// failure into an `Errno`. A seam's live implementation wraps each C call
// in one of these and nothing else looks at `errno`.

/// Runs `call` until it does not fail with `EINTR` (unless
/// `retryOnInterrupt` is false); a negative result is a failure with the
/// current `errno`. Returns the result or that errno.
@inlinable
public func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) -> Result<I, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, call, failed: { $0 < 0 })
}

/// The same for calls whose failure is not a negative number (`mmap`'s
/// `MAP_FAILED`, a NULL pointer): `failed` says which results are failures.
@inlinable
public func valueOrErrno<T>(retryOnInterrupt: Bool = true, _ call: () -> T, failed: (T) -> Bool) -> Result<T, Errno> {
    while true {
        let value = call()
        if !failed(value) { return .success(value) }
        let error = Errno.current
        if !retryOnInterrupt || error != .interrupted { return .failure(error) }
    }
}

/// Runs `call` until it does not fail with `EINTR` and returns its result;
/// any other failure (a negative result) throws the current `errno`.
@inlinable
public func retryingInterrupts<I: FixedWidthInteger>(_ call: () -> I) throws(Errno) -> I {
    try valueOrErrno(call).get()
}

/// For calls that return `-errno` instead of setting `errno` (raw `syscall`
/// wrappers, libkmod): the same loop, with the negated result put into
/// `errno` first. Returns the result or the errno of a negative one.
@inlinable
public func valueOrNegatedErrno(retryOnInterrupt: Bool = true, _ call: () -> Int32) -> Result<Int32, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt) { () -> Int32 in
        let value = call()
        guard value < 0 else { return value }
        errno = -value
        return -1
    }
}
