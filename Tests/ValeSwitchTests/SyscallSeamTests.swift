import SystemCallSeam
import Testing
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// The exact system calls behind attach and TAP management, and the
/// sentences failures become, through the recording seam.
@Suite("System calls through the seam")
struct SyscallSeamTests {
    @Test func openingAPortMakesTheTPacketV2CallsInOrder() throws {
        let system = RecordingPacketSystem()
        let port = try PacketSocketPort.open(interface: "eth1",
                                             what: "cannot attach vale0:eth1", system: system)
        #expect(port.ifindex == 7)
        #expect(port.mtu == 1500)
        port.close()
        #expect(system.calls == [
            "socket(17)",                       // AF_PACKET, protocol 0 until bind
            "SIOCGIFINDEX(eth1)",
            "SIOCGIFMTU(eth1)",
            "SIOCETHTOOL(eth1)",
            "setsockopt(263,10=1)",              // PACKET_VERSION = TPACKET_V2
            "setsockopt(263,15=1)",              // PACKET_VNET_HDR, before the ring
            "setsockopt(263,7=1)",               // PACKET_COPY_THRESH: larger frames queued whole
            "setsockopt(263,8=1)",               // PACKET_AUXDATA: their VLAN tag
            "setsockopt(1,33=\(8 << 20))",       // SO_RCVBUFFORCE: the kernel doubles it to 16 MiB
            "setsockopt(263,5[16])",             // PACKET_RX_RING, struct tpacket_req
            "mmap(\(16 << 20))",                 // 16 MiB: 8192 slots of 2 KiB
            "setsockopt(263,23=1)",              // PACKET_IGNORE_OUTGOING
            "setsockopt(263,1[16])",             // PACKET_ADD_MEMBERSHIP promiscuous
            "bind(ifindex=7)",
            "munmap", "close",
        ])
    }

    /// `userspace: ring-mib` sets the receive ring: 4 MiB of 2 KiB slots.
    @Test func theReceiveRingHasTheConfiguredSize() throws {
        let system = RecordingPacketSystem()
        let port = try PacketSocketPort.open(interface: "eth1", ringMiB: 4,
                                             what: "cannot attach vale0:eth1", system: system)
        port.close()
        #expect(system.calls.contains("mmap(\(4 << 20))"))
        #expect(port.ringGeometry.slots == 2048 && port.ringGeometry.slotSize == 2048)
        #expect(system.calls.contains("munmap"))
    }

    @Test func aMissingInterfaceIsNamedAndNothingLeaks() {
        let system = RecordingPacketSystem(failing: ["SIOCGIFINDEX": ENODEV])
        #expect {
            _ = try PacketSocketPort.open(interface: "eth9",
                                          what: "cannot attach vale0:eth9", system: system)
        } throws: { error in
            (error as? SwitchError)?.message == "cannot attach vale0:eth9: eth9 does not exist (ENODEV)"
        }
        #expect(system.calls.last == "close")
    }

    @Test func aFailedBindUnmapsTheRingAndClosesTheSocket() {
        let system = RecordingPacketSystem(failing: ["bind": EBUSY])
        #expect {
            _ = try PacketSocketPort.open(interface: "eth1",
                                          what: "cannot attach vale0:eth1", system: system)
        } throws: { error in
            let e = error as? SwitchError
            return e?.code == .busy && e?.message == "cannot attach vale0:eth1: bind failed: Device or resource busy (EBUSY)"
        }
        #expect(Array(system.calls.suffix(2)) == ["munmap", "close"])
    }

    @Test func olderKernelsWithoutIgnoreOutgoingStillAttach() throws {
        let system = RecordingPacketSystem(failing: ["setsockopt(263,23": ENOPROTOOPT])
        let port = try PacketSocketPort.open(interface: "eth1",
                                             what: "cannot attach vale0:eth1", system: system)
        port.close()
        #expect(system.calls.contains("bind(ifindex=7)"))
    }

    /// A sandbox that refuses even the AF_UNIX socket (or EMFILE) makes the
    /// MTU and the link's up state impossible: an error, not a TAP left down.
    @Test func aTAPWhoseInterfaceRequestsCannotBeMadeIsAnError() throws {
        let system = RecordingPacketSystem(failing: ["socket(1)": EAFNOSUPPORT])
        #expect {
            _ = try TAPDevice(system: system).create("vm1", owner: nil, group: nil, mtu: 1400)
        } throws: { error in
            "\(error)".contains("cannot create TAP vm1: no socket for its interface requests (MTU, up)")
        }
        #expect(!system.calls.contains { $0.hasPrefix("SIOCSIFMTU") || $0.hasPrefix("SIOCSIFFLAGS") })
    }

    @Test func creatingATAPSetsOwnerGroupPersistenceMTUAndUp() throws {
        // The first SIOCGIFINDEX (does it exist?) fails: a new device.
        let system = RecordingPacketSystem(failing: ["SIOCGIFINDEX(vm1)": ENODEV])
        let result = try TAPDevice(system: system).create("vm1", owner: 1000, group: 100, mtu: 9000)
        #expect(result == .created)
        // socket(1): the interface requests go through AF_UNIX, so
        // vale-switchd.service needs no IP address family.
        #expect(system.calls == [
            "socket(1)", "SIOCGIFINDEX(vm1)", "close",
            "open(/dev/net/tun)", "TUNSETIFF(vm1,flags=0x5002)",
            "TUNSETVNETHDRSZ(10)", "TUNSETOFFLOAD(111)",  // CSUM|TSO4|TSO6|TSO_ECN|USO4|USO6
            "TUNSETOWNER(1000)", "TUNSETGROUP(100)", "TUNSETPERSIST(1)", "close",
            "socket(1)", "SIOCSIFMTU(vm1)", "SIOCGIFFLAGS(vm1)", "SIOCSIFFLAGS(vm1)", "close",
        ])
    }

    @Test func aTAPAVMHoldsIsAdoptedAsItIs() throws {
        let system = FakeTAPSystem(busy: true)
        #expect(try TAPDevice(system: system).create("vm1", owner: 1000, group: nil, mtu: nil) == .adopted)
        #expect(!system.calls.contains { $0.hasPrefix("TUNSETOWNER") || $0.hasPrefix("TUNSETOFFLOAD") })
    }

    @Test func aKernelWithoutUDPSegmentationOffloadGetsChecksumAndTSOOnly() throws {
        let system = RecordingPacketSystem(failing: ["SIOCGIFINDEX(vm1)": ENODEV, "TUNSETOFFLOAD(111)": EINVAL])
        #expect(try TAPDevice(system: system).create("vm1", owner: nil, group: nil, mtu: nil) == .created)
        #expect(system.calls.filter { $0.hasPrefix("TUNSETOFFLOAD") } == ["TUNSETOFFLOAD(111)", "TUNSETOFFLOAD(15)"])
        #expect(system.calls.contains("TUNSETPERSIST(1)"))
    }

    @Test func aRefusedOffloadIsASentence() {
        let system = RecordingPacketSystem(failing: ["SIOCGIFINDEX(vm1)": ENODEV, "TUNSETOFFLOAD": EPERM])
        #expect {
            _ = try TAPDevice(system: system).create("vm1", owner: nil, group: nil, mtu: nil)
        } throws: { error in
            (error as? SwitchError)?.message == "cannot create TAP vm1: TUNSETOFFLOAD failed: Operation not permitted (EPERM)"
        }
    }

    /// Switch names are VALE names checked by the caller (NetmapKit's
    /// grammar, tested in NetmapKitTests); here a name only has to fit an ifreq.
    @Test func interfaceNamesMustFitAnIfreq() {
        #expect(throws: SwitchError.self) { try InterfaceRequests.checkName("eth0:1", what: "interface") }
        #expect(throws: SwitchError.self) { try InterfaceRequests.checkName("", what: "interface") }
        #expect(throws: SwitchError.self) { try InterfaceRequests.checkName("sixteen_bytes_xx", what: "TAP") }
        #expect(throws: Never.self) { try InterfaceRequests.checkName("fifteen_bytes_x", what: "TAP") }
        let error = #expect(throws: SwitchError.self) { try InterfaceRequests.checkName("eth0:1", what: "interface") }
        #expect(error?.message == "invalid interface name 'eth0:1': an interface name has 1 to 15 bytes, no NUL and no ':'")
    }
}

/// A TAP that exists and answers ETHTOOL_GDRVINFO like tun's TAP; TUNSETIFF
/// fails with EBUSY when `busy` (a VM holds the queue).
final class FakeTAPSystem: PacketSystem, @unchecked Sendable {
    let inner: RecordingPacketSystem
    init(busy: Bool) { inner = RecordingPacketSystem(failing: busy ? ["TUNSETIFF": EBUSY] : [:]) }
    var calls: [String] { inner.calls }
    func socket(_ d: Int32, _ t: Int32, _ p: Int32) -> SystemCallResult { inner.socket(d, t, p) }
    func setsockopt(_ fd: Int32, _ l: Int32, _ n: Int32, _ v: UnsafeRawPointer, _ len: Int) -> SystemCallResult { inner.setsockopt(fd, l, n, v, len) }
    func getsockoptInt(_ fd: Int32, _ l: Int32, _ n: Int32) -> SystemCallResult { inner.getsockoptInt(fd, l, n) }
    func bind(_ fd: Int32, _ a: UnsafeRawPointer, _ len: Int) -> SystemCallResult { inner.bind(fd, a, len) }
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> SystemCallResult {
        let r = inner.ioctl(fd, request, argument)
        if request == 0x8946, case .success = r {
            let info = argument.load(fromByteOffset: 16, as: UnsafeMutableRawPointer.self)
            for (i, b) in "tun".utf8.enumerated() { info.storeBytes(of: b, toByteOffset: 4 + i, as: UInt8.self) }
            for (i, b) in "tap".utf8.enumerated() { info.storeBytes(of: b, toByteOffset: 100 + i, as: UInt8.self) }
        }
        return r
    }
    func ioctl(_ fd: Int32, _ request: UInt, integer: Int32) -> SystemCallResult { inner.ioctl(fd, request, integer: integer) }
    func open(_ path: String, _ flags: Int32) -> SystemCallResult { inner.open(path, flags) }
    func close(_ fd: Int32) { inner.close(fd) }
    func mmap(_ fd: Int32, _ length: Int) -> Result<UnsafeMutableRawPointer, Errno> { inner.mmap(fd, length) }
    func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) { inner.munmap(address, length) }
    func poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: Int, _ t: Int32) -> SystemCallResult { inner.poll(fds, count, t) }
    func sendFrames(_ fd: Int32, _ f: UnsafePointer<UnsafeRawPointer?>, _ l: UnsafePointer<UInt32>, _ c: Int) -> SystemCallResult { inner.sendFrames(fd, f, l, c) }
    func kickTransmitRing(_ fd: Int32) -> SystemCallResult { inner.kickTransmitRing(fd) }
    func read(_ fd: Int32, _ b: UnsafeMutableRawBufferPointer) -> SystemCallResult { inner.read(fd, b) }
    func write(_ fd: Int32, _ b: UnsafeRawBufferPointer) -> SystemCallResult { inner.write(fd, b) }
    func eventfd() -> SystemCallResult { inner.eventfd() }
    func receiveFrame(_ fd: Int32, _ b: UnsafeMutableRawBufferPointer, _ vlan: inout UInt32) -> SystemCallResult { inner.receiveFrame(fd, b, &vlan) }
    func packetStatistics(_ fd: Int32) -> (packets: UInt32, drops: UInt32)? { nil }
}
