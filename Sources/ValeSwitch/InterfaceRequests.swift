#if canImport(Glibc)
import Glibc
#endif
import CLinuxUAPI
import SystemCallSeam

/// `struct ifreq` requests (SIOCGIFINDEX, SIOCGIFMTU, ...) on a socket.
/// The interface name is resolved in the network namespace of the socket,
/// so callers pass a socket they opened in the namespace they mean.
struct InterfaceRequests {
    let system: any PacketSystem

    // Request numbers of <linux/sockios.h>.
    static let getIndex: UInt = 0x8933      // SIOCGIFINDEX
    static let getMTU: UInt = 0x8921        // SIOCGIFMTU
    static let setMTU: UInt = 0x8922        // SIOCSIFMTU
    static let getFlags: UInt = 0x8913      // SIOCGIFFLAGS
    static let setFlags: UInt = 0x8914      // SIOCSIFFLAGS
    static let ethtool: UInt = 0x8946       // SIOCETHTOOL
    static let ifreqSize = 40

    /// Refuses a name `struct ifreq` cannot carry as it is: `ifr_name` holds
    /// 15 bytes and a NUL (a longer name would be cut to another device's),
    /// and the kernel's SIOC* handler cuts the name at ':' (`eth0:1` would
    /// reach eth0). Whether a name is a good one (NetmapKit's grammar,
    /// NETMAP-API.md section 4) is for the caller to check; the kernel
    /// answers the rest (EINVAL, ENODEV).
    static func checkName(_ name: String, what: String) throws(SwitchError) {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 15, !bytes.contains(0), !bytes.contains(UInt8(ascii: ":")) else {
            throw SwitchError(.invalidArgument, "invalid \(what) name '\(name)': an interface name has 1 to 15 bytes, no NUL and no ':'")
        }
    }

    /// Runs `body` with a zeroed `struct ifreq` holding `name`.
    func withRequest<T>(_ name: String, _ body: (UnsafeMutableRawPointer) -> T) -> T {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.ifreqSize, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Self.ifreqSize)
        let bytes = Array(name.utf8.prefix(15))
        buffer.copyMemory(from: bytes, byteCount: bytes.count)
        return body(buffer)
    }

    /// SIOCGIFINDEX: the interface index, or the errno (ENODEV when missing).
    func index(of name: String, socket fd: Int32) -> Result<Int32, Errno> {
        withRequest(name) { req in
            switch system.ioctl(fd, Self.getIndex, req) {
            case .success: .success(req.load(fromByteOffset: 16, as: Int32.self))
            case .failure(let e): .failure(e)
            }
        }
    }

    /// SIOCGIFMTU.
    func mtu(of name: String, socket fd: Int32) -> Result<Int, Errno> {
        withRequest(name) { req in
            switch system.ioctl(fd, Self.getMTU, req) {
            case .success: .success(Int(req.load(fromByteOffset: 16, as: Int32.self)))
            case .failure(let e): .failure(e)
            }
        }
    }

    /// SIOCSIFMTU.
    func setMTU(_ mtu: Int, of name: String, socket fd: Int32) -> SystemCallResult {
        withRequest(name) { req in
            req.storeBytes(of: Int32(mtu), toByteOffset: 16, as: Int32.self)
            return system.ioctl(fd, Self.setMTU, req)
        }
    }

    /// SIOCGIFFLAGS then SIOCSIFFLAGS with IFF_UP added.
    func setUp(_ name: String, socket fd: Int32) -> SystemCallResult {
        withRequest(name) { req in
            if case .failure(let e) = system.ioctl(fd, Self.getFlags, req) { return .failure(e) }
            let flags = req.load(fromByteOffset: 16, as: Int16.self)
            req.storeBytes(of: flags | Int16(IFF_UP.rawValue), toByteOffset: 16, as: Int16.self)
            return system.ioctl(fd, Self.setFlags, req)
        }
    }

    /// The state of interface `name` expected at `index`: gone when missing
    /// or replaced by a new device, else from IFF_UP and IFF_RUNNING.
    func linkState(of name: String, index: Int32, socket fd: Int32) -> PortState {
        guard case .success(let now) = self.index(of: name, socket: fd), now == index else { return .gone }
        return withRequest(name) { req in
            guard case .success = system.ioctl(fd, Self.getFlags, req) else { return .gone }
            let flags = Int32(UInt16(bitPattern: req.load(fromByteOffset: 16, as: Int16.self)))
            if flags & Int32(IFF_UP.rawValue) == 0 { return .down }
            return flags & Int32(IFF_RUNNING.rawValue) == 0 ? .noCarrier : .up
        }
    }

    /// ETHTOOL_GDRVINFO: the driver name ("veth", "tun", "virtio_net") and
    /// bus info ("tap" for TAP devices, "tun" for TUN), or nil when the
    /// driver does not answer.
    func driver(of name: String, socket fd: Int32) -> (driver: String, busInfo: String)? {
        let info = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { info.deallocate() }
        info.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        info.storeBytes(of: UInt32(0x0000_0003), as: UInt32.self) // ETHTOOL_GDRVINFO
        return withRequest(name) { req in
            req.storeBytes(of: info, toByteOffset: 16, as: UnsafeMutableRawPointer.self)
            guard case .success = system.ioctl(fd, Self.ethtool, req) else { return nil }
            func string(at offset: Int) -> String {
                let p = (info + offset).assumingMemoryBound(to: UInt8.self)
                let n = (0..<32).first { p[$0] == 0 } ?? 32
                return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            }
            // struct ethtool_drvinfo: cmd, driver[32], version[32], fw_version[32], bus_info[32]
            return (string(at: 4), string(at: 100))
        }
    }
}
