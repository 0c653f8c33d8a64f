import Foundation
import CLinuxSupport
import SystemCallSeam
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// What QEMU does with `-netdev tap,ifname=NAME`: open /dev/net/tun and
/// TUNSETIFF (IFF_TAP | IFF_NO_PI) on the existing name, then read and
/// write whole Ethernet frames on the fd.
final class FakeVM: @unchecked Sendable {
    let fd: Int32

    /// `vnetHeader`: open with IFF_VNET_HDR and a 10-byte header
    /// (TUNSETVNETHDRSZ), as QEMU does for a virtio-net device with offloads.
    init(tap: String, vnetHeader: Bool = false) throws {
        fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw SwitchError(.system, "open /dev/net/tun: \(Errno.current.explanation)") }
        var req = [UInt8](repeating: 0, count: 40)
        for (i, b) in tap.utf8.enumerated() { req[i] = b }
        // IFF_TAP | IFF_NO_PI (| IFF_VNET_HDR), little endian
        req[16] = 0x02; req[17] = vnetHeader ? 0x50 : 0x10
        var r = req.withUnsafeMutableBytes { clinux_ioctl_ptr(fd, clinux_tunsetiff(), $0.baseAddress) }
        var size: Int32 = 10
        if r == 0 && vnetHeader { r = clinux_ioctl_ptr(fd, clinux_tunsetvnethdrsz(), &size) }
        guard r == 0 else {
            let e = errno
            Glibc.close(fd)
            throw SwitchError(.system, "opening TAP \(tap)\(vnetHeader ? " with IFF_VNET_HDR" : ""): \(Errno(rawValue: e).explanation)")
        }
    }

    /// Reads frames until one satisfies `match` or the time is up.
    func read(timeoutSeconds: Int, where match: ([UInt8]) -> Bool) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0, match(Array(buffer[0..<n])) { return Array(buffer[0..<n]) }
        }
        return nil
    }

    func write(_ frame: [UInt8]) throws {
        let n = frame.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != frame.count { throw SwitchError(.system, "write to TAP: \(Errno.current.explanation)") }
    }

    /// Writes one frame after its virtio-net header (a VM opened with `vnetHeader`).
    func write(_ header: VirtioNetHeader, _ frame: [UInt8]) throws {
        try write(header.bytes + frame)
    }

    func close() { Glibc.close(fd) }
}
