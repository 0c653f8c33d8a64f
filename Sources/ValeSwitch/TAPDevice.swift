#if canImport(Glibc)
import Glibc
#endif
import CLinuxUAPI
import CLinuxSupport
import SystemCallSeam

/// What `TAPDevice.create` did.
public enum TAPCreation: Sendable, Equatable {
    /// A new persistent TAP device was made.
    case created
    /// A TAP device of that name already existed (left by an earlier run of
    /// valed, or made by hand) and was taken over as it is.
    case adopted
}

/// Persistent TAP devices for VMs: `/dev/net/tun` with TUNSETIFF
/// (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), TUNSETVNETHDRSZ, TUNSETOFFLOAD,
/// TUNSETOWNER / TUNSETGROUP, TUNSETPERSIST.
///
/// TUNSETOFFLOAD makes the TAP netdev advertise checksum and TSO/USO
/// offloads, so the switch (AF_PACKET with PACKET_VNET_HDR) may hand it
/// partial checksums and super-frames. QEMU reopens the TAP with its own
/// TUNSETIFF flags and sets the offloads its guest negotiated; until then
/// these are the device's.
///
/// The switch does not keep a queue fd of the TAP. A TAP is a wire between
/// the fd holder and the netdev of the same name; the VM (QEMU opens the
/// TAP by name with TUNSETIFF) must hold the fd, and the switch attaches the
/// netdev side with AF_PACKET like any interface. A second queue fd would
/// not reach the VM at all: frames written to any queue fd go up into the
/// netdev, never to another queue. See docs/userspace-datapath.md.
struct TAPDevice {
    let system: any PacketSystem

    static let iffTap: Int16 = 0x0002     // IFF_TAP
    static let iffNoPI: Int16 = 0x1000    // IFF_NO_PI
    static let iffVnetHdr: Int16 = 0x4000 // IFF_VNET_HDR

    // TUNSETOFFLOAD bits (<linux/if_tun.h>).
    static let tunFCsum: Int32 = 0x01     // TUN_F_CSUM
    static let tunFTSO4: Int32 = 0x02     // TUN_F_TSO4
    static let tunFTSO6: Int32 = 0x04     // TUN_F_TSO6
    static let tunFTSOECN: Int32 = 0x08   // TUN_F_TSO_ECN
    static let tunFUSO4: Int32 = 0x20     // TUN_F_USO4 (Linux 6.2)
    static let tunFUSO6: Int32 = 0x40     // TUN_F_USO6 (Linux 6.2)
    /// Checksum and TCP segmentation offload, which every kernel valed runs on knows.
    static let offloads = tunFCsum | tunFTSO4 | tunFTSO6 | tunFTSOECN
    /// The same plus UDP segmentation; older kernels refuse it with EINVAL.
    static let offloadsWithUSO = offloads | tunFUSO4 | tunFUSO6

    /// Opens /dev/net/tun and binds it to `name` as a TAP (creating the
    /// device when missing), in the calling thread's network namespace.
    private func attach(_ name: String) -> Result<Int32, Errno> {
        let fd: Int32
        switch system.open("/dev/net/tun", O_RDWR | O_CLOEXEC) {
        case .success(let value): fd = Int32(value)
        case .failure(let e): return .failure(e)
        }
        let result = InterfaceRequests(system: system).withRequest(name) { req in
            req.storeBytes(of: Self.iffTap | Self.iffNoPI | Self.iffVnetHdr, toByteOffset: 16, as: Int16.self)
            return system.ioctl(fd, clinux_tunsetiff(), req)
        }
        if case .failure(let e) = result {
            system.close(fd)
            return .failure(e)
        }
        return .success(fd)
    }

    /// True when an interface `name` exists in the calling thread's namespace;
    /// with its driver answer (tun/tap) when it does.
    func existing(_ name: String) -> (exists: Bool, isTAP: Bool) {
        guard let fdValue = system.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0).value else {
            return (false, false)
        }
        let fd = Int32(fdValue)
        defer { system.close(fd) }
        let requests = InterfaceRequests(system: system)
        guard case .success = requests.index(of: name, socket: fd) else { return (false, false) }
        let info = requests.driver(of: name, socket: fd)
        return (true, info?.driver == "tun" && info?.busInfo == "tap")
    }

    /// Creates (or adopts) the persistent TAP `name`, owned by `owner` /
    /// `group` when given, with `mtu` when given, and brings it up.
    func create(_ name: String, owner: UInt32?, group: UInt32?, mtu: Int?) throws(SwitchError) -> TAPCreation {
        let what = "cannot create TAP \(name)"
        try InterfaceRequests.checkName(name, what: "TAP")
        let before = existing(name)
        if before.exists && !before.isTAP {
            throw SwitchError(.notATAP, "\(what): an interface named \(name) exists and is not a TAP device (EEXIST)", errno: .fileExists)
        }
        switch attach(name) {
        case .success(let fd):
            defer { system.close(fd) }
            try setOffloads(fd, what: what)
            if let owner, case .failure(let e) = system.ioctl(fd, clinux_tunsetowner(), integer: Int32(bitPattern: owner)) {
                throw SwitchError(.system, "\(what): TUNSETOWNER \(owner) failed: \(e.explanation)", errno: e)
            }
            if let group, case .failure(let e) = system.ioctl(fd, clinux_tunsetgroup(), integer: Int32(bitPattern: group)) {
                throw SwitchError(.system, "\(what): TUNSETGROUP \(group) failed: \(e.explanation)", errno: e)
            }
            if case .failure(let e) = system.ioctl(fd, clinux_tunsetpersist(), integer: 1) {
                throw SwitchError(.system, "\(what): TUNSETPERSIST failed: \(e.explanation)", errno: e)
            }
        case .failure(let e) where e == .resourceBusy && before.exists:
            // A VM holds the queue already (valed restarted under a running
            // VM): adopt the device as it is; owner, group and offloads stay
            // as they were (QEMU set the offloads its guest negotiated).
            break
        case .failure(let e):
            if e == .noSuchFileOrDirectory || e == .noSuchDevice {
                throw SwitchError(.system, "\(what): /dev/net/tun is missing (the tun module is not available): \(e.explanation)", errno: e)
            }
            throw SwitchError(e == .resourceBusy ? .busy : .system, "\(what): TUNSETIFF failed: \(e.explanation)", errno: e)
        }
        try configure(name, mtu: mtu, what: what)
        return before.exists ? .adopted : .created
    }

    /// TUNSETVNETHDRSZ 10 (the socket side's header size) and TUNSETOFFLOAD,
    /// with UDP segmentation where the kernel knows it.
    private func setOffloads(_ fd: Int32, what: String) throws(SwitchError) {
        var size = Int32(VirtioNetHeader.size)
        if case .failure(let e) = system.ioctl(fd, clinux_tunsetvnethdrsz(), &size) {
            throw SwitchError(.system, "\(what): TUNSETVNETHDRSZ \(size) failed: \(e.explanation)", errno: e)
        }
        var result = system.ioctl(fd, clinux_tunsetoffload(), integer: Self.offloadsWithUSO)
        if case .failure(.invalidArgument) = result { result = system.ioctl(fd, clinux_tunsetoffload(), integer: Self.offloads) }
        if case .failure(let e) = result {
            throw SwitchError(.system, "\(what): TUNSETOFFLOAD failed: \(e.explanation)", errno: e)
        }
    }

    private func configure(_ name: String, mtu: Int?, what: String) throws(SwitchError) {
        // An AF_UNIX socket carries the SIOC* interface requests as well as
        // an AF_INET one (the kernel hands them to dev_ioctl), and needs no
        // IP address family: vale-switchd.service allows only AF_UNIX and
        // AF_PACKET (RestrictAddressFamilies=).
        let opened = system.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard let fdValue = opened.value else {
            let e = opened.error ?? .invalidArgument
            throw SwitchError(.system, "\(what): no socket for its interface requests (MTU, up): \(e.explanation)", errno: e)
        }
        let fd = Int32(fdValue)
        defer { system.close(fd) }
        let requests = InterfaceRequests(system: system)
        if let mtu, case .failure(let e) = requests.setMTU(mtu, of: name, socket: fd) {
            throw SwitchError(.invalidArgument, "\(what): MTU \(mtu) refused: \(e.explanation)", errno: e)
        }
        // Up on the host side so the switch can send as soon as the VM
        // attaches (the carrier follows the VM's fd).
        if case .failure(let e) = requests.setUp(name, socket: fd) {
            throw SwitchError(.system, "\(what): cannot set \(name) up: \(e.explanation)", errno: e)
        }
    }

    /// Clears TUNSETPERSIST so the kernel removes the device.
    func delete(_ name: String) throws(SwitchError) {
        let what = "cannot delete TAP \(name)"
        try InterfaceRequests.checkName(name, what: "TAP")
        let state = existing(name)
        guard state.exists else { throw SwitchError(.noSuchInterface, "\(what): no such device (ENODEV)", errno: .noSuchDevice) }
        guard state.isTAP else { throw SwitchError(.notATAP, "\(what): \(name) is not a TAP device (EINVAL)", errno: .invalidArgument) }
        switch attach(name) {
        case .success(let fd):
            defer { system.close(fd) }
            if case .failure(let e) = system.ioctl(fd, clinux_tunsetpersist(), integer: 0) {
                throw SwitchError(.system, "\(what): TUNSETPERSIST 0 failed: \(e.explanation)", errno: e)
            }
        case .failure(let e) where e == .resourceBusy:
            throw SwitchError(.busy, "\(what): a VM or another program has it open (EBUSY)", errno: .resourceBusy)
        case .failure(let e):
            throw SwitchError(.system, "\(what): TUNSETIFF failed: \(e.explanation)", errno: e)
        }
    }
}
