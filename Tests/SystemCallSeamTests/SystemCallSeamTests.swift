import Foundation
import Glibc
import SystemCallSeam
import Testing

/// The errno type every library's seam throws.
@Suite struct ErrnoTests {
    @Test func namesMessagesAndExplanations() {
        #expect(Errno.resourceBusy.name == "EBUSY")
        #expect(Errno.resourceBusy.description == "EBUSY")
        #expect(Errno.resourceBusy.message == "Device or resource busy")
        #expect(Errno.resourceBusy.explanation == "Device or resource busy (EBUSY)")
        #expect(Errno(rawValue: 4095).name == "errno 4095")
        // Names the per-library tables had and the one table must keep.
        for (value, name) in [(ENOKEY, "ENOKEY"), (EKEYREJECTED, "EKEYREJECTED"), (ENOPROTOOPT, "ENOPROTOOPT"),
                              (ENETDOWN, "ENETDOWN"), (ETIMEDOUT, "ETIMEDOUT"), (EISDIR, "EISDIR"), (ELOOP, "ELOOP"),
                              (ETXTBSY, "ETXTBSY"), (EFBIG, "EFBIG"), (EMFILE, "EMFILE"), (ERANGE, "ERANGE")] {
            #expect(Errno(rawValue: value).name == name)
        }
    }

    @Test func symbolsReadBackWithAliases() {
        #expect(Errno(name: "EBUSY") == .resourceBusy)
        #expect(Errno(name: "ENOTSUP") == .notSupported)
        #expect(Errno(name: "EWOULDBLOCK") == .wouldBlock)
        #expect(Errno(name: "EAGAIN")?.name == "EAGAIN")
        #expect(Errno(name: "EBOGUS") == nil)
    }

    /// Encoded as the bare number, as NetmapKit's `Errno` was (state files, call logs).
    @Test func codableAsTheNumber() throws {
        let data = try JSONEncoder().encode([Errno.noSuchDevice])
        #expect(String(decoding: data, as: UTF8.self) == "[19]")
        #expect(try JSONDecoder().decode([Errno].self, from: data) == [.noSuchDevice])
    }
}

/// The one EINTR loop.
@Suite struct InterruptTests {
    /// A call failing with EINTR any number of times is run again until it
    /// answers (ValeSwitch's seam used to retry once, then report EINTR).
    @Test func interruptedCallsRunAgainUntilTheyAnswer() throws {
        var calls = 0
        let value = try retryingInterrupts { () -> Int32 in
            calls += 1
            if calls <= 3 { errno = EINTR; return -1 }
            return 7
        }
        #expect(value == 7)
        #expect(calls == 4)
    }

    @Test func otherErrnosAreThrownAtOnce() {
        var calls = 0
        #expect(throws: Errno.resourceBusy) {
            _ = try retryingInterrupts { () -> Int in calls += 1; errno = EBUSY; return -1 }
        }
        #expect(calls == 1)
    }

    @Test func withoutRetryEINTRIsAnAnswer() {
        var calls = 0
        let result = valueOrErrno(retryOnInterrupt: false) { () -> Int32 in calls += 1; errno = EINTR; return -1 }
        #expect(result == .failure(.interrupted))
        #expect(calls == 1)
    }

    @Test func pointerResultsSayWhatFailureIs() {
        var calls = 0
        let result = valueOrErrno({ () -> UnsafeMutableRawPointer? in
            calls += 1
            errno = calls == 1 ? EINTR : ENOMEM
            return nil
        }, failed: { $0 == nil })
        #expect(result == .failure(.outOfMemory))
        #expect(calls == 2)
    }

    @Test func negatedErrnoResults() throws {
        var calls = 0
        #expect(valueOrNegatedErrno { calls += 1; return calls == 1 ? -EINTR : 0 } == .success(0))
        #expect(calls == 2)
        #expect(valueOrNegatedErrno { -ENOSYS } == .failure(.noFunction))
    }

    /// A real call: read(2) of a pipe with data.
    @Test func aRealCall() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(try retryingInterrupts { write(fds[1], "ab", 2) } == 2)
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(try buffer.withUnsafeMutableBytes { b in valueOrErrno { read(fds[0], b.baseAddress, 4) } }.get() == 2)
        #expect(throws: Errno.badFileDescriptor) { _ = try retryingInterrupts { read(-1, nil, 0) } }
    }
}
