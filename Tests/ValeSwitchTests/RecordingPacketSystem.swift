import Synchronization
import SystemCallSeam
import CLinuxSupport
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// A `PacketSystem` that records every call as a line of text and fails
/// the calls whose line starts with a key of `failures` with that errno.
final class RecordingPacketSystem: PacketSystem {
    private let state = Mutex<(calls: [String], failures: [String: Int32], nextFD: Int32)>(([], [:], 100))

    init(failing failures: [String: Int32] = [:]) {
        state.withLock { $0.failures = failures }
    }

    var calls: [String] { state.withLock { $0.calls } }

    /// Each message `sendFrames` was given: its address and its bytes.
    private let sent = Mutex<[(address: Int, bytes: [UInt8])]>([])
    var messages: [(address: Int, bytes: [UInt8])] { sent.withLock { $0 } }
    /// The address of the last `mmap` (the port's rings).
    private let mapping = Mutex<Int>(0)
    var lastMapping: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: mapping.withLock { $0 }) }

    private func record(_ line: String) -> SystemCallResult {
        state.withLock { s in
            s.calls.append(line)
            if let e = s.failures.first(where: { line.hasPrefix($0.key) })?.value { return .failure(Errno(rawValue: e)) }
            return .success(0)
        }
    }

    private func newFD(_ line: String) -> SystemCallResult {
        if case .failure(let e) = record(line) { return .failure(e) }
        return state.withLock { s in s.nextFD += 1; return .success(Int(s.nextFD)) }
    }

    private static func name(_ req: UnsafeRawPointer) -> String {
        String(cString: req.assumingMemoryBound(to: CChar.self))
    }

    func socket(_ domain: Int32, _ type: Int32, _ proto: Int32) -> SystemCallResult {
        newFD("socket(\(domain))")
    }
    func setsockopt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: Int) -> SystemCallResult {
        let shown = length == 4 ? "=\(value.load(as: Int32.self))" : "[\(length)]"
        return record("setsockopt(\(level),\(name)\(shown))")
    }
    func getsockoptInt(_ fd: Int32, _ level: Int32, _ name: Int32) -> SystemCallResult { record("getsockopt(\(level),\(name))") }
    func bind(_ fd: Int32, _ address: UnsafeRawPointer, _ length: Int) -> SystemCallResult {
        record("bind(ifindex=\(address.load(fromByteOffset: 4, as: Int32.self)))")
    }
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> SystemCallResult {
        let label: String
        switch request {
        case 0x8933: label = "SIOCGIFINDEX"
        case 0x8921: label = "SIOCGIFMTU"
        case 0x8922: label = "SIOCSIFMTU"
        case 0x8913: label = "SIOCGIFFLAGS"
        case 0x8914: label = "SIOCSIFFLAGS"
        case 0x8946: label = "SIOCETHTOOL"
        case clinux_tunsetiff(): label = "TUNSETIFF"
        case clinux_tunsetvnethdrsz(): return record("TUNSETVNETHDRSZ(\(argument.load(as: Int32.self)))")
        default: label = "ioctl(\(request))"
        }
        // TUNSETIFF shows the flags too (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR = 0x5002).
        let flags = request == clinux_tunsetiff()
            ? ",flags=0x" + String(argument.load(fromByteOffset: 16, as: UInt16.self), radix: 16) : ""
        let r = record("\(label)(\(Self.name(argument))\(flags))")
        if case .success = r, request == 0x8933 { argument.storeBytes(of: Int32(7), toByteOffset: 16, as: Int32.self) }
        if case .success = r, request == 0x8921 { argument.storeBytes(of: Int32(1500), toByteOffset: 16, as: Int32.self) }
        return r
    }
    func ioctl(_ fd: Int32, _ request: UInt, integer: Int32) -> SystemCallResult {
        let label: String
        switch request {
        case clinux_tunsetpersist(): label = "TUNSETPERSIST"
        case clinux_tunsetowner(): label = "TUNSETOWNER"
        case clinux_tunsetgroup(): label = "TUNSETGROUP"
        case clinux_tunsetoffload(): label = "TUNSETOFFLOAD"
        default: label = "ioctl(\(request))"
        }
        return record("\(label)(\(integer))")
    }
    func open(_ path: String, _ flags: Int32) -> SystemCallResult { newFD("open(\(path))") }
    func close(_ fd: Int32) { _ = record("close") }
    func mmap(_ fd: Int32, _ length: Int) -> Result<UnsafeMutableRawPointer, Errno> {
        if case .failure(let e) = record("mmap(\(length))") { return .failure(e) }
        let p = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 4096)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: length)
        mapping.withLock { $0 = Int(bitPattern: p) }
        return .success(p)
    }
    func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) {
        _ = record("munmap")
        address.deallocate()
    }
    func poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: Int, _ timeoutMilliseconds: Int32) -> SystemCallResult { record("poll") }
    func sendFrames(_ fd: Int32, _ frames: UnsafePointer<UnsafeRawPointer?>, _ lengths: UnsafePointer<UInt32>, _ count: Int) -> SystemCallResult {
        if case .failure(let e) = record("sendFrames(\(count))") { return .failure(e) }
        sent.withLock { sent in
            for i in 0..<count {
                let bytes = Array(UnsafeRawBufferPointer(start: frames[i], count: Int(lengths[i])))
                sent.append((Int(bitPattern: frames[i]), bytes))
            }
        }
        return .success(count)
    }
    func kickTransmitRing(_ fd: Int32) -> SystemCallResult { record("kick") }
    /// Frames `receiveFrame` returns, oldest first: the bytes (virtio-net
    /// header and frame) and the VLAN word of PACKET_AUXDATA.
    private let queued = Mutex<[(bytes: [UInt8], vlan: UInt32)]>([])
    func queue(_ bytes: [UInt8], vlan: UInt32 = 0) { queued.withLock { $0.append((bytes, vlan)) } }
    func receiveFrame(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ vlan: inout UInt32) -> SystemCallResult {
        if case .failure(let e) = record("recvmsg") { return .failure(e) }
        guard let next = queued.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return .failure(.wouldBlock) }
        vlan = next.vlan
        let n = min(buffer.count, next.bytes.count)
        next.bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        return .success(next.bytes.count)
    }
    func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> SystemCallResult { record("read") }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> SystemCallResult { record("write") }
    func eventfd() -> SystemCallResult { newFD("eventfd") }
    func packetStatistics(_ fd: Int32) -> (packets: UInt32, drops: UInt32)? { nil }
}
