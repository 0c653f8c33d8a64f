#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetmapKit
import Testing

/// The live seam against the real kernel: errnos arrive typed, and on a
/// machine without netmap the control device is reported absent.
@Suite struct LiveSystemCallsTests {
    let live = LiveNetmapSystemCalls()

    @Test func netmapDeviceIsUsedOrReportedAbsent() throws {
        if FileManager.default.fileExists(atPath: Netmap.devicePath) {
            let control = try NetmapControl()
            _ = try control.list()
            try control.close()
        } else {
            print("no /dev/netmap on this machine: checking the absent-device error instead")
            let error = try #require(throws: NetmapError.self) { try NetmapControl() }
            #expect(error.isDeviceAbsent)
            #expect(error.errno == .noSuchFileOrDirectory)
        }
    }

    @Test func openAndCloseReportErrnos() throws {
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try live.open("/nonexistent/netmap", flags: O_RDWR) }
        let fd = try live.open("/dev/null", flags: O_RDWR)
        #expect(fd >= 0)
        #expect((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "netmap fds must not leak into children")
        try live.close(fd)
        #expect(throws: Errno.badFileDescriptor) { try live.close(fd) }
    }

    @Test func ioctlPassesTheRequestAndTheErrnoThrough() throws {
        let fd = try live.open("/dev/null", flags: O_RDWR)
        defer { try? live.close(fd) }
        var header = [UInt8](repeating: 0, count: 88)
        // /dev/null knows no netmap ioctl: ENOTTY proves the call reached the kernel.
        #expect(throws: Errno(rawValue: ENOTTY)) {
            _ = try header.withUnsafeMutableBytes { try live.ioctl(fd, request: Netmap.NIOCCTRL, argument: $0.baseAddress) }
        }
        // FIONREAD on a pipe with 3 bytes answers 3 through the argument pointer.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { _ = Glibc.close(fds[0]); _ = Glibc.close(fds[1]) }
        #expect(write(fds[1], "abc", 3) == 3)
        var count: Int32 = 0
        _ = try withUnsafeMutablePointer(to: &count) { try live.ioctl(fds[0], request: UInt(FIONREAD), argument: UnsafeMutableRawPointer($0)) }
        #expect(count == 3)
        // poll sees the data.
        var descriptor = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        let ready = try withUnsafeMutablePointer(to: &descriptor) { try live.poll(UnsafeMutableBufferPointer(start: $0, count: 1), timeout: 0) }
        #expect(ready == 1)
        #expect(descriptor.revents & Int16(POLLIN) != 0)
    }

    @Test func mmapAndMunmap() throws {
        let fd = try live.open("/dev/zero", flags: O_RDWR)
        defer { try? live.close(fd) }
        let address = try live.mmap(length: 8192, protection: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, fd: fd, offset: 0)
        address.storeBytes(of: 0xABCD, as: UInt32.self)
        #expect(address.load(as: UInt32.self) == 0xABCD)
        try live.munmap(address, length: 8192)
        #expect(throws: Errno.invalidArgument) { _ = try live.mmap(length: 0, protection: PROT_READ, flags: MAP_PRIVATE, fd: fd, offset: 0) }
    }
}
