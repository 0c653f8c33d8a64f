/// A failed netmap operation: which request, on which port, and the errno,
/// explained in netmap's terms.
///
/// `description` is a sentence for users, e.g.
/// `cannot attach vale0:eth1: eth1 is already attached to a VALE switch or held open by a netmap application (EBUSY)`.
/// The explanations come from the per-request errno tables of NETMAP-API.md section 3.
public struct NetmapError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct around a private enum, so new
    /// kinds can be added without breaking `switch`es in callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        enum Code: Hashable, Sendable {
            case deviceUnavailable, request, invalidName, apiMismatch, closed, mapping, sync
        }
        let code: Code
        /// Opening the control device failed (`/dev/netmap` absent, no permission, ...).
        public static let deviceUnavailable = Kind(code: .deviceUnavailable)
        /// A `NIOCCTRL` request failed with an errno.
        public static let requestFailed = Kind(code: .request)
        /// The name cannot be sent: longer than 63 bytes or containing NUL.
        public static let invalidName = Kind(code: .invalidName)
        /// The kernel answered with a header version outside 14...15.
        public static let apiMismatch = Kind(code: .apiMismatch)
        /// The control object was already closed.
        public static let closed = Kind(code: .closed)
        /// Mapping or walking the shared memory region failed.
        public static let mapping = Kind(code: .mapping)
        /// `NIOCTXSYNC`, `NIOCRXSYNC` or `poll` failed on a bound port.
        public static let sync = Kind(code: .sync)
        /// The kind's name.
        public var description: String { "\(code)" }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The request that failed, if a `NIOCCTRL` request was involved.
    public let request: NetmapRequestType?
    /// The port (or netdev, or device path) the operation was about.
    public let portName: String
    /// The errno, when the failure came from a system call.
    public let errno: Errno?
    /// Extra detail for failures without an errno.
    public let detail: String?

    /// Creates an error; usually NetmapKit does this for you.
    public init(kind: Kind, request: NetmapRequestType?, portName: String, errno: Errno?, detail: String? = nil) {
        self.kind = kind
        self.request = request
        self.portName = portName
        self.errno = errno
        self.detail = detail
    }

    /// A failed `NIOCCTRL` request.
    public static func requestFailed(_ request: NetmapRequestType, portName: String, errno: Errno) -> NetmapError {
        NetmapError(kind: .requestFailed, request: request, portName: portName, errno: errno)
    }

    /// True when `/dev/netmap` does not exist: the netmap module is not loaded
    /// (or the node was not created). The daemon falls back to the userspace datapath.
    public var isDeviceAbsent: Bool {
        kind == .deviceUnavailable && (errno == .noSuchFileOrDirectory || errno == .noSuchDevice || errno == .noSuchDeviceOrAddress)
    }

    /// The explanation of `errno` for this request, without the `cannot ...` prefix.
    public var reason: String {
        switch kind.code {
        case .deviceUnavailable:
            return Self.deviceReason(errno)
        case .invalidName:
            return detail ?? "the name is not valid"
        case .apiMismatch:
            return detail ?? "the kernel answered with an unsupported netmap API version"
        case .closed:
            return "the netmap control descriptor is already closed"
        case .mapping, .sync:
            if let errno { return (detail.map { $0 + ": " } ?? "") + errno.message }
            return detail ?? "unexpected shared memory layout"
        case .request:
            guard let errno, let request else { return detail ?? "unknown failure" }
            return NetmapErrnoMeaning.explain(request, name: portName, errno: errno)
        }
    }

    /// A sentence naming the object, the cause and the errno.
    public var description: String {
        let suffix = errno.map { " (\($0.name))" } ?? ""
        switch kind.code {
        case .deviceUnavailable:
            return "cannot open \(portName): \(reason)\(suffix)"
        case .request:
            let verb = request?.verb ?? "use"
            if request == .valeList && portName.isEmpty {
                return "cannot list VALE ports: \(reason)\(suffix)"
            }
            let object = portName.isEmpty ? "the netmap memory region" : portName
            return "cannot \(verb) \(object): \(reason)\(suffix)"
        case .invalidName:
            return "cannot \(request?.verb ?? "use") \(portName): \(reason)"
        case .apiMismatch, .closed:
            return "cannot \(request?.verb ?? "use") \(portName): \(reason)"
        case .mapping:
            return "cannot map the netmap memory of \(portName): \(reason)\(suffix)"
        case .sync:
            return "cannot sync the rings of \(portName): \(reason)\(suffix)"
        }
    }

    static func deviceReason(_ errno: Errno?) -> String {
        switch errno {
        case .noSuchFileOrDirectory?:
            return "the netmap device does not exist: the netmap kernel module is not loaded or its device node was not created"
        case .permissionDenied?:
            return "permission denied: read-write access to the netmap device is needed (run as root or grant it with a udev rule)"
        case .noSuchDevice?, .noSuchDeviceOrAddress?:
            return "the device node exists but no netmap module is behind it"
        case let errno?:
            return errno.message
        case nil:
            return "unknown failure"
        }
    }
}

/// The meaning of each errno per request type (NETMAP-API.md section 3).
enum NetmapErrnoMeaning {
    /// Splits `valeX:IF` into `IF` for sentences; returns the name unchanged otherwise.
    static func portPart(_ name: String) -> String {
        guard name.hasPrefix("val"), let colon = name.firstIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    static func switchPart(_ name: String) -> String {
        guard let colon = name.firstIndex(of: ":") else { return name }
        return String(name[..<colon])
    }

    static func explain(_ request: NetmapRequestType, name: String, errno: Errno) -> String {
        let port = portPart(name)
        let sw = switchPart(name)
        if let specific = specific(request, name: name, port: port, switchName: sw, errno: errno) {
            return specific
        }
        return common(errno) ?? errno.message
    }

    /// Errnos every `NIOCCTRL` request can return (3.0).
    static func common(_ errno: Errno) -> String? {
        switch errno {
        case .badAddress: "the kernel could not read or write the request (bad address)"
        case .messageTooLong: "the request body and options exceed 4096 bytes"
        case .invalidArgument: "the kernel rejected the request as invalid (API version, reserved field, body or options)"
        case .outOfMemory: "the kernel could not allocate memory for the request"
        case .permissionDenied: "the switch is locked by another kernel module"
        default: nil
        }
    }

    static func specific(_ request: NetmapRequestType, name: String, port: String, switchName: String, errno: Errno) -> String? {
        switch (request, errno) {
        // 3.1 REGISTER
        case (.register, .resourceBusy):
            return "the port is busy: this descriptor is already bound, the port is owned by the kernel (a NIC attached to a switch, its switch port or host port), its rings are held exclusively, or another framework holds the device's receive hook (Linux bridge, bond, team, macvlan, OVS)"
        case (.register, .invalidArgument):
            return "invalid registration: bad mode or ring id, unknown memory region, a switch:NIC name that is only valid for attach, a malformed pipe or monitor, or an MTU larger than the netmap buffer size"
        case (.register, .noSuchDeviceOrAddress):
            return "no network interface named \(port) exists in this network namespace"
        case (.register, .outOfMemory):
            return "the switch name is invalid, all switches of this namespace are in use (8 by default), the switch is full (252 ports), or the kernel is out of memory"
        case (.register, .notSupported):
            return "the interface has no native netmap driver (admode=1) or the kernel did not process a requested option"
        case (.register, .ioError):
            return "the port carries virtio-net headers and the request did not accept them"
        // 3.2 PORT_INFO_GET, 3.10 POOLS_INFO_GET: lookup errors of REGISTER
        case (.portInfoGet, .invalidArgument), (.poolsInfoGet, .invalidArgument):
            if name.isEmpty { return "no memory region with that id exists" }
            return "\(name) cannot be looked up: a switch:interface name is only valid for attach (or the interface is not attached), or the memory region is unknown"
        case (.portInfoGet, .noSuchDeviceOrAddress), (.poolsInfoGet, .noSuchDeviceOrAddress):
            return "no network interface named \(port) exists in this network namespace"
        case (.portInfoGet, .outOfMemory), (.poolsInfoGet, .outOfMemory):
            return "the switch name is invalid, all switches of this namespace are in use (8 by default), or the kernel is out of memory"
        case (.portInfoGet, .notSupported), (.poolsInfoGet, .notSupported):
            return "the interface has no native netmap driver and emulated mode is disabled (admode=1)"
        case (.portInfoGet, .resourceBusy), (.poolsInfoGet, .resourceBusy):
            return "the pipe's parent port is owned by the kernel, or another framework holds the device's receive hook"
        // 3.3 VALE_ATTACH
        case (.valeAttach, .resourceBusy):
            return "\(port) is already attached to a VALE switch or held open by a netmap application (or a process holds the persistent interface open)"
        case (.valeAttach, .outOfMemory):
            return "switch \(switchName) is full (252 ports), or no switch is free (8 per network namespace by default), or the switch name is invalid or too long (at most 15 characters [A-Za-z0-9_] including 'vale')"
        case (.valeAttach, .invalidArgument):
            return "\(port) is not an existing network interface in this namespace, the name does not start with 'val', the mode or memory region is invalid, or its MTU exceeds the netmap buffer size"
        case (.valeAttach, .notSupported):
            return "\(port) has no native netmap driver and emulated mode is disabled (admode=1)"
        case (.valeAttach, .permissionDenied):
            return "switch \(switchName) is locked by another kernel module"
        case (.valeAttach, .noSuchDeviceOrAddress):
            return "\(port) was unplugged (zombie adapter)"
        // 3.4 VALE_DETACH
        case (.valeDetach, .noSuchDeviceOrAddress):
            return "\(port) is not in switch \(switchName) (or the switch does not exist; a persistent interface may have been renamed inside the switch after a port-info query, see netmap issue 882)"
        case (.valeDetach, .resourceBusy):
            return "\(name) cannot be detached now: kernel polling is enabled on it, it is an ephemeral port owned by an application, it is a host port (detach \(switchName):\(port.hasSuffix("^") ? String(port.dropLast()) : port) instead), or it is the first of two attachments of a persistent interface"
        case (.valeDetach, .invalidArgument):
            return "the name does not start with 'val' or the port is not registered"
        case (.valeDetach, .permissionDenied):
            return "switch \(switchName) is locked by another kernel module"
        // 3.5 VALE_LIST
        case (.valeList, .noSuchFileOrDirectory):
            if name.isEmpty { return "no more ports" }
            return "switch \(switchName) does not exist (or the name has no ':')"
        case (.valeList, .invalidArgument):
            return "a lookup name must start with 'vale'"
        // 3.6 PORT_HDR_SET / GET
        case (.portHeaderSet, .noSuchDeviceOrAddress):
            return "\(name) is not a port of an existing VALE switch"
        case (.portHeaderSet, .invalidArgument):
            return "the virtio-net header length must be 0, 10 or 12"
        case (.portHeaderGet, .noSuchDeviceOrAddress):
            return "no port named \(name) exists"
        case (.portHeaderGet, .noSuchDevice):
            return "the pipe \(name) does not exist"
        // 3.7 NEWIF
        case (.valeNewInterface, .invalidArgument):
            return "\(name) is not a valid persistent interface name (at most 15 characters, not starting with 'vale', no '/', ':' or whitespace) or the memory region is unknown"
        case (.valeNewInterface, .fileExists):
            return "a network interface named \(name) already exists in this namespace"
        case (.valeNewInterface, .outOfMemory):
            return "the kernel could not allocate the interface"
        case (.valeNewInterface, .badAddress):
            return "the netmap module is being unloaded"
        // 3.8 DELIF
        case (.valeDeleteInterface, .invalidArgument):
            return "\(name) is not a persistent VALE interface (or it was created automatically for a pipe and goes away by itself)"
        case (.valeDeleteInterface, .noSuchDeviceOrAddress):
            return "no network interface named \(name) exists in this namespace"
        case (.valeDeleteInterface, .resourceBusy):
            return "\(name) is still attached to a switch or open by an application"
        // 3.9 POLLING
        case (.valePollingEnable, .invalidArgument):
            return "invalid polling request: the name must start with 'val', the CPU count must be at least 1 and below the number of CPUs, single-CPU mode needs exactly 1, and multi-CPU rings must exist on the NIC"
        case (.valePollingEnable, .noSuchDeviceOrAddress), (.valePollingDisable, .noSuchDeviceOrAddress):
            return "switch \(switchName) or port \(port) does not exist"
        case (.valePollingEnable, .notSupported), (.valePollingDisable, .notSupported):
            return "\(name) is not a NIC attachment (polling works only for attached NICs)"
        case (.valePollingEnable, .badAddress):
            return "polling is already enabled on \(name), or the kernel could not start its thread"
        case (.valePollingEnable, .outOfMemory):
            return "the kernel could not allocate the polling state"
        case (.valePollingDisable, .badAddress):
            return "polling is not enabled on \(name)"
        case (.valePollingDisable, .invalidArgument):
            return "the name must start with 'val'"
        default:
            return nil
        }
    }
}
