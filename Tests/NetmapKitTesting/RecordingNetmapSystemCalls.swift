#if canImport(Glibc)
import Glibc
#endif
import CNetmap
import NetmapKit
import Synchronization

/// A ``NetmapSystemCalls`` for unit tests: records every call with the exact
/// bytes sent (the 88-byte `nmreq_header` and the body read through
/// `nr_body`), can force an errno on chosen calls, and otherwise delegates to
/// a closure that plays the kernel, to another seam (e.g. `VALEKernelModel`),
/// or succeeds without touching anything.
public final class RecordingNetmapSystemCalls: NetmapSystemCalls {
    /// The kinds of system call the seam has.
    public enum CallKind: String, Sendable, Hashable {
        case open, close, ioctl, mmap, munmap, poll
    }

    /// One recorded call, with what was sent and how it ended.
    public struct Call: Sendable, Hashable {
        /// Which system call.
        public var kind: CallKind
        /// The fd (`open`: the fd returned; `poll`: the first descriptor; `munmap`: -1).
        public var fd: Int32
        /// `open`: the path.
        public var path: String?
        /// `ioctl`: the request number.
        public var request: UInt?
        /// `ioctl` with `NIOCCTRL`: the 88 header bytes as sent.
        public var header: [UInt8]?
        /// `ioctl` with `NIOCCTRL`: the body bytes read through `nr_body` as sent
        /// (`bodySize` of the request type; nil when `nr_body` was 0).
        public var body: [UInt8]?
        /// `ioctl` with `NIOCCTRL`: the body bytes after the call (what the
        /// kernel wrote back; NetmapKit reads them only on success).
        public var replyBody: [UInt8]?
        /// `ioctl` with `NIOCCTRL`: `nr_name` after the call.
        public var replyName: String?
        /// `mmap`/`munmap`: the length; `poll`: the timeout.
        public var length: Int?
        /// The errno the call failed with, or nil on success.
        public var errno: Errno?

        /// The request type in the recorded header.
        public var requestType: NetmapRequestType? {
            guard let header, header.count >= 4 else { return nil }
            return NetmapRequestType(rawValue: UInt16(header[2]) | UInt16(header[3]) << 8)
        }

        /// The `nr_name` in the recorded header.
        public var name: String? {
            guard let header, header.count >= 72 else { return nil }
            let bytes = header[8..<72]
            let end = bytes.firstIndex(of: 0) ?? 72
            return String(decoding: header[8..<end], as: UTF8.self)
        }

        /// The little-endian integer of `size` bytes at `offset` of the recorded header.
        public func headerField(at offset: Int, size: Int) -> UInt64? {
            header.map { Self.littleEndian($0, offset, size) }
        }

        /// The little-endian integer of `size` bytes at `offset` of the recorded body.
        public func bodyField(at offset: Int, size: Int) -> UInt64? {
            body.map { Self.littleEndian($0, offset, size) }
        }

        static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            return value
        }
    }

    /// What a kernel-playing closure sees of an `ioctl`.
    public struct IoctlInvocation: @unchecked Sendable {
        /// The fd.
        public let fd: Int32
        /// The request number.
        public let request: UInt
        /// The argument pointer (the header for `NIOCCTRL`).
        public let argument: UnsafeMutableRawPointer?

        /// The header, for `NIOCCTRL`.
        public var header: UnsafeMutablePointer<nmreq_header>? {
            guard request == Netmap.NIOCCTRL, let argument else { return nil }
            return argument.assumingMemoryBound(to: nmreq_header.self)
        }

        /// The request type in the header.
        public var requestType: NetmapRequestType? {
            header.flatMap { NetmapRequestType(rawValue: $0.pointee.nr_reqtype) }
        }

        /// `nr_name`.
        public var name: String {
            header.map { NetmapEncoding.string(fromCharArray: $0.pointee.nr_name) } ?? ""
        }

        /// The body `nr_body` points to, or nil.
        public var body: UnsafeMutableRawPointer? {
            guard let header, header.pointee.nr_body != 0 else { return nil }
            return UnsafeMutableRawPointer(bitPattern: UInt(header.pointee.nr_body))
        }

        /// Writes `value` at `offset` of the body (playing the kernel's copy-out).
        public func storeBody<T>(_ value: T, at offset: Int) {
            body?.storeBytes(of: value, toByteOffset: offset, as: T.self)
        }

        /// Writes `name` into `nr_name` (VALE_LIST enumeration answers this way).
        public func storeName(_ name: String) {
            guard let header else { return }
            NetmapEncoding.storeName(name, into: header)
        }
    }

    /// A closure that plays the kernel for `ioctl`: return normally for
    /// success, throw an ``Errno`` for failure.
    public typealias IoctlHandler = @Sendable (IoctlInvocation) throws(Errno) -> Int32

    struct Forced: Sendable {
        var kind: CallKind
        var request: NetmapRequestType?
        var errno: Errno
        var remaining: Int
    }

    struct State: Sendable {
        var calls: [Call] = []
        var forced: [Forced] = []
        var ioctlHandler: IoctlHandler?
        var nextFD: Int32 = 3
    }

    private let state = Mutex(State())
    /// Where calls go when neither a forced errno nor the ioctl handler applies.
    public let kernel: (any NetmapSystemCalls)?

    /// A recorder that delegates to `kernel` (nil: every call succeeds and
    /// changes nothing; `open` returns 3, 4, ...; `mmap` fails with `ENODEV`).
    public init(kernel: (any NetmapSystemCalls)? = nil) {
        self.kernel = kernel
    }

    /// A recorder whose `ioctl`s are answered by `handler`.
    public convenience init(ioctl handler: @escaping IoctlHandler) {
        self.init(kernel: nil)
        state.withLock { $0.ioctlHandler = handler }
    }

    /// All calls so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The `NIOCCTRL` calls so far.
    public var controlCalls: [Call] { calls.filter { $0.kind == .ioctl && $0.request == Netmap.NIOCCTRL } }

    /// Forgets the recorded calls.
    public func clearCalls() { state.withLock { $0.calls.removeAll() } }

    /// Makes the next `times` calls of `kind` (for ioctls, optionally only of
    /// request type `request`) fail with `errno` without reaching the kernel.
    public func forceErrno(_ errno: Errno, on kind: CallKind, request: NetmapRequestType? = nil, times: Int = 1) {
        state.withLock { $0.forced.append(Forced(kind: kind, request: request, errno: errno, remaining: times)) }
    }

    /// Replaces the closure that answers `ioctl`s.
    public func setIoctlHandler(_ handler: IoctlHandler?) {
        state.withLock { $0.ioctlHandler = handler }
    }

    private func takeForced(_ kind: CallKind, request: NetmapRequestType? = nil) -> Errno? {
        state.withLock { state in
            guard let index = state.forced.firstIndex(where: {
                $0.kind == kind && $0.remaining > 0 && ($0.request == nil || $0.request == request)
            }) else { return nil }
            state.forced[index].remaining -= 1
            let errno = state.forced[index].errno
            if state.forced[index].remaining == 0 { state.forced.remove(at: index) }
            return errno
        }
    }

    private func record(_ call: Call) { state.withLock { $0.calls.append(call) } }

    /// Records the call, then forced errno, handler, kernel or success.
    public func open(_ path: String, flags: Int32) throws(Errno) -> Int32 {
        var call = Call(kind: .open, fd: -1, path: path)
        do throws(Errno) {
            if let forced = takeForced(.open) { throw forced }
            let fd: Int32
            if let kernel { fd = try kernel.open(path, flags: flags) } else {
                fd = state.withLock { state in defer { state.nextFD += 1 }; return state.nextFD }
            }
            call.fd = fd
            record(call)
            return fd
        } catch {
            call.errno = error
            record(call)
            throw error
        }
    }

    /// Records the call, then forced errno, handler, kernel or success.
    public func close(_ fd: Int32) throws(Errno) {
        var call = Call(kind: .close, fd: fd)
        do throws(Errno) {
            if let forced = takeForced(.close) { throw forced }
            try kernel?.close(fd)
            record(call)
        } catch {
            call.errno = error
            record(call)
            throw error
        }
    }

    /// Records the call, then forced errno, handler, kernel or success.
    public func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        var call = Call(kind: .ioctl, fd: fd, request: request)
        let invocation = IoctlInvocation(fd: fd, request: request, argument: argument)
        if let header = invocation.header {
            call.header = [UInt8](UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: MemoryLayout<nmreq_header>.size))
            if let body = invocation.body {
                let size = invocation.requestType?.bodySize ?? 0
                call.body = [UInt8](UnsafeRawBufferPointer(start: UnsafeRawPointer(body), count: size))
            }
        }
        do throws(Errno) {
            if let forced = takeForced(.ioctl, request: invocation.requestType) { throw forced }
            let result: Int32
            if let handler = state.withLock({ $0.ioctlHandler }) {
                result = try handler(invocation)
            } else if let kernel {
                result = try kernel.ioctl(fd, request: request, argument: argument)
            } else {
                result = 0
            }
            captureReply(invocation, into: &call)
            record(call)
            return result
        } catch {
            call.errno = error
            captureReply(invocation, into: &call)
            record(call)
            throw error
        }
    }

    private func captureReply(_ invocation: IoctlInvocation, into call: inout Call) {
        guard invocation.header != nil else { return }
        call.replyName = invocation.name
        if let body = invocation.body, let size = invocation.requestType?.bodySize {
            call.replyBody = [UInt8](UnsafeRawBufferPointer(start: UnsafeRawPointer(body), count: size))
        }
    }

    /// Records the call, then forced errno, handler, kernel or success.
    public func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        var call = Call(kind: .mmap, fd: fd, length: length)
        do throws(Errno) {
            if let forced = takeForced(.mmap) { throw forced }
            guard let kernel else { throw Errno.noSuchDevice }
            let address = try kernel.mmap(length: length, protection: protection, flags: flags, fd: fd, offset: offset)
            record(call)
            return address
        } catch {
            call.errno = error
            record(call)
            throw error
        }
    }

    /// Records the call, then forced errno, handler, kernel or success.
    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
        var call = Call(kind: .munmap, fd: -1, length: length)
        do throws(Errno) {
            if let forced = takeForced(.munmap) { throw forced }
            try kernel?.munmap(address, length: length)
            record(call)
        } catch {
            call.errno = error
            record(call)
            throw error
        }
    }

    /// Records the call, then forced errno, handler, kernel or success.
    public func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int {
        var call = Call(kind: .poll, fd: descriptors.first?.fd ?? -1, length: Int(timeout))
        do throws(Errno) {
            if let forced = takeForced(.poll) { throw forced }
            let result = try kernel?.poll(descriptors, timeout: timeout) ?? 0
            record(call)
            return result
        } catch {
            call.errno = error
            record(call)
            throw error
        }
    }
}
