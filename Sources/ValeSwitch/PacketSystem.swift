#if canImport(Glibc)
import Glibc
#endif
import CLinuxSupport
import SystemCallSeam

/// The seam through which ValeSwitch makes every system call. Production
/// code uses `LivePacketSystem`; unit tests pass a recorder that logs each
/// call and can fail it with a chosen errno.
///
/// Calls return the C result, or the errno of a failing call as
/// `SystemCallResult.failure`. EINTR is retried inside the live
/// implementation (SystemCallSeam's loop), so callers never see it.
public protocol PacketSystem: Sendable {
    /// `socket(2)`.
    func socket(_ domain: Int32, _ type: Int32, _ proto: Int32) -> SystemCallResult
    /// `setsockopt(2)` with a value of `length` bytes at `value`.
    func setsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: Int) -> SystemCallResult
    /// `getsockopt(2)` for an `Int32` option.
    func getsockoptInt(_ fd: Int32, _ level: Int32, _ name: Int32) -> SystemCallResult
    /// `bind(2)`.
    func bind(_ fd: Int32, _ address: UnsafeRawPointer, _ length: Int) -> SystemCallResult
    /// `ioctl(2)` with a pointer argument (through `clinux_ioctl_ptr`).
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> SystemCallResult
    /// `ioctl(2)` with an integer argument (through `clinux_ioctl_int`).
    func ioctl(_ fd: Int32, _ request: UInt, integer: Int32) -> SystemCallResult
    /// `open(2)`.
    func open(_ path: String, _ flags: Int32) -> SystemCallResult
    /// `close(2)`.
    func close(_ fd: Int32)
    /// `mmap(2)` of `length` bytes of `fd`, shared, read-write.
    func mmap(_ fd: Int32, _ length: Int) -> Result<UnsafeMutableRawPointer, Errno>
    /// `munmap(2)`.
    func munmap(_ address: UnsafeMutableRawPointer, _ length: Int)
    /// `poll(2)`.
    func poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: Int, _ timeoutMilliseconds: Int32) -> SystemCallResult
    /// `sendmmsg(2)` with MSG_DONTWAIT of `count` frames (through
    /// `clinux_send_frames`); the number sent, which may be short.
    func sendFrames(_ fd: Int32, _ frames: UnsafePointer<UnsafeRawPointer?>, _ lengths: UnsafePointer<UInt32>, _ count: Int) -> SystemCallResult
    /// `send(fd, NULL, 0, MSG_DONTWAIT)`: asks the kernel to transmit the
    /// frames marked TP_STATUS_SEND_REQUEST in the socket's PACKET_TX_RING.
    func kickTransmitRing(_ fd: Int32) -> SystemCallResult
    /// `recvmsg(2)` with MSG_DONTWAIT | MSG_TRUNC of the next frame queued on
    /// a packet socket (through `clinux_recv_frame`): the full length, which
    /// may exceed the buffer; `vlan` gets TPID << 16 | TCI from
    /// PACKET_AUXDATA when the kernel untagged the frame, else 0.
    func receiveFrame(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ vlan: inout UInt32) -> SystemCallResult
    /// `read(2)`.
    func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> SystemCallResult
    /// `write(2)`.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> SystemCallResult
    /// `eventfd(2)` with EFD_NONBLOCK | EFD_CLOEXEC.
    func eventfd() -> SystemCallResult
    /// `getsockopt(PACKET_STATISTICS)` of a TPACKET_V2 socket (resets the kernel counters).
    func packetStatistics(_ fd: Int32) -> (packets: UInt32, drops: UInt32)?
}

/// The C result of a system call: a non-negative value or an errno.
public typealias SystemCallResult = Result<Int, Errno>

extension Result where Failure == Errno {
    /// The value, or nil on failure.
    public var value: Success? { if case .success(let v) = self { v } else { nil } }
    /// The errno, or nil on success.
    public var error: Errno? { if case .failure(let e) = self { e } else { nil } }
}

/// The real kernel.
public struct LivePacketSystem: PacketSystem {
    /// The live seam.
    public init() {}

    @inline(__always)
    private func result<I: FixedWidthInteger>(_ call: () -> I) -> SystemCallResult {
        valueOrErrno(call).map { Int($0) }
    }

    public func socket(_ domain: Int32, _ type: Int32, _ proto: Int32) -> SystemCallResult {
        result { Glibc.socket(domain, type, proto) }
    }
    public func setsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: Int) -> SystemCallResult {
        result { Glibc.setsockopt(fd, level, name, value, socklen_t(length)) }
    }
    public func getsockoptInt(_ fd: Int32, _ level: Int32, _ name: Int32) -> SystemCallResult {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return result { Glibc.getsockopt(fd, level, name, &value, &length) }.map { _ in Int(value) }
    }
    public func bind(_ fd: Int32, _ address: UnsafeRawPointer, _ length: Int) -> SystemCallResult {
        result { Glibc.bind(fd, address.assumingMemoryBound(to: sockaddr.self), socklen_t(length)) }
    }
    public func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> SystemCallResult {
        result { clinux_ioctl_ptr(fd, request, argument) }
    }
    public func ioctl(_ fd: Int32, _ request: UInt, integer: Int32) -> SystemCallResult {
        result { clinux_ioctl_int(fd, request, integer) }
    }
    public func open(_ path: String, _ flags: Int32) -> SystemCallResult {
        result { Glibc.open(path, flags) }
    }
    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
    public func mmap(_ fd: Int32, _ length: Int) -> Result<UnsafeMutableRawPointer, Errno> {
        valueOrErrno({ Glibc.mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) },
                     failed: { $0 == MAP_FAILED || $0 == nil }).map { $0! }
    }
    public func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) { _ = Glibc.munmap(address, length) }
    public func poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: Int, _ timeoutMilliseconds: Int32) -> SystemCallResult {
        result { Glibc.poll(fds, nfds_t(count), timeoutMilliseconds) }
    }
    public func sendFrames(_ fd: Int32, _ frames: UnsafePointer<UnsafeRawPointer?>, _ lengths: UnsafePointer<UInt32>, _ count: Int) -> SystemCallResult {
        result { clinux_send_frames(fd, frames, lengths, UInt32(count)) }
    }
    public func kickTransmitRing(_ fd: Int32) -> SystemCallResult {
        result { Glibc.send(fd, nil, 0, Int32(MSG_DONTWAIT)) }
    }
    public func receiveFrame(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ vlan: inout UInt32) -> SystemCallResult {
        var tag: UInt32 = 0
        let r = result { clinux_recv_frame(fd, buffer.baseAddress, buffer.count, &tag) }
        vlan = tag
        return r
    }
    public func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> SystemCallResult {
        result { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }
    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> SystemCallResult {
        result { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }
    public func eventfd() -> SystemCallResult {
        result { clinux_eventfd_nonblocking() }
    }
    public func packetStatistics(_ fd: Int32) -> (packets: UInt32, drops: UInt32)? {
        var packets: UInt32 = 0, drops: UInt32 = 0
        return clinux_packet_statistics(fd, &packets, &drops) == 0 ? (packets, drops) : nil
    }
}
