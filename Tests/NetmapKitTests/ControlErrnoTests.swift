import NetmapKit
import NetmapKitTesting
import Testing

/// Every errno listed per request type in NETMAP-API.md section 3 reaches the
/// caller as a NetmapError that names the request, the port and the errno and
/// explains it for that request.
@Suite struct ControlErrnoTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var request: NetmapRequestType
        var name: String
        var errno: Errno
        var phrase: String
        var testDescription: String { "\(request.cName) \(name) \(errno.name)" }
    }

    static let cases: [Case] = [
        // 3.0 common
        Case(request: .valeAttach, name: "vale0:eth0", errno: .badAddress, phrase: "bad address"),
        Case(request: .valeAttach, name: "vale0:eth0", errno: .messageTooLong, phrase: "exceed 4096 bytes"),
        // 3.1 REGISTER
        Case(request: .register, name: "vale0:eth0", errno: .resourceBusy, phrase: "owned by the kernel"),
        Case(request: .register, name: "vale0:eth0", errno: .invalidArgument, phrase: "only valid for attach"),
        Case(request: .register, name: "eth9", errno: .noSuchDeviceOrAddress, phrase: "no network interface named eth9"),
        Case(request: .register, name: "vale0:p", errno: .outOfMemory, phrase: "switch is full (252 ports)"),
        Case(request: .register, name: "eth0", errno: .notSupported, phrase: "no native netmap driver"),
        Case(request: .register, name: "vale0:vm1", errno: .ioError, phrase: "virtio-net headers"),
        Case(request: .register, name: "vale0:vm1", errno: .messageTooLong, phrase: "4096"),
        Case(request: .register, name: "vale0:vm1", errno: .badAddress, phrase: "bad address"),
        // 3.2 PORT_INFO_GET
        Case(request: .portInfoGet, name: "eth9", errno: .noSuchDeviceOrAddress, phrase: "no network interface named eth9"),
        Case(request: .portInfoGet, name: "vale0:eth0", errno: .invalidArgument, phrase: "only valid for attach"),
        Case(request: .portInfoGet, name: "", errno: .invalidArgument, phrase: "no memory region with that id"),
        Case(request: .portInfoGet, name: "vale0:x", errno: .outOfMemory, phrase: "switch name is invalid"),
        Case(request: .portInfoGet, name: "eth0", errno: .notSupported, phrase: "no native netmap driver"),
        Case(request: .portInfoGet, name: "eth0{1", errno: .resourceBusy, phrase: "pipe's parent"),
        // 3.3 VALE_ATTACH
        Case(request: .valeAttach, name: "vale0:eth1", errno: .resourceBusy, phrase: "eth1 is already attached to a VALE switch or held open by a netmap application"),
        Case(request: .valeAttach, name: "vale0:eth1", errno: .outOfMemory, phrase: "switch vale0 is full (252 ports), or no switch is free (8 per network namespace"),
        Case(request: .valeAttach, name: "vale0:eth1", errno: .invalidArgument, phrase: "eth1 is not an existing network interface"),
        Case(request: .valeAttach, name: "vale0:eth1", errno: .notSupported, phrase: "eth1 has no native netmap driver"),
        Case(request: .valeAttach, name: "vale0:eth1", errno: .permissionDenied, phrase: "switch vale0 is locked by another kernel module"),
        Case(request: .valeAttach, name: "vale0:eth1", errno: .noSuchDeviceOrAddress, phrase: "unplugged"),
        // 3.4 VALE_DETACH
        Case(request: .valeDetach, name: "vale0:eth1", errno: .noSuchDeviceOrAddress, phrase: "eth1 is not in switch vale0"),
        Case(request: .valeDetach, name: "vale0:eth1^", errno: .resourceBusy, phrase: "detach vale0:eth1 instead"),
        Case(request: .valeDetach, name: "vale0:eth1", errno: .resourceBusy, phrase: "kernel polling is enabled"),
        Case(request: .valeDetach, name: "vi0", errno: .invalidArgument, phrase: "does not start with 'val'"),
        Case(request: .valeDetach, name: "vale0:eth1", errno: .permissionDenied, phrase: "locked by another kernel module"),
        // 3.5 VALE_LIST (lookup)
        Case(request: .valeList, name: "vale9:x", errno: .noSuchFileOrDirectory, phrase: "switch vale9 does not exist"),
        Case(request: .valeList, name: "valX:x", errno: .invalidArgument, phrase: "must start with 'vale'"),
        // 3.6 PORT_HDR_SET / GET
        Case(request: .portHeaderSet, name: "vale0:vm1", errno: .noSuchDeviceOrAddress, phrase: "not a port of an existing VALE switch"),
        Case(request: .portHeaderSet, name: "vale0:vm1", errno: .invalidArgument, phrase: "must be 0, 10 or 12"),
        Case(request: .portHeaderGet, name: "vale0:vm1", errno: .noSuchDeviceOrAddress, phrase: "no port named vale0:vm1"),
        Case(request: .portHeaderGet, name: "vale0:vm1{1", errno: .noSuchDevice, phrase: "pipe vale0:vm1{1 does not exist"),
        // 3.7 NEWIF
        Case(request: .valeNewInterface, name: "vale0x", errno: .invalidArgument, phrase: "not a valid persistent interface name"),
        Case(request: .valeNewInterface, name: "vi0", errno: .fileExists, phrase: "a network interface named vi0 already exists"),
        Case(request: .valeNewInterface, name: "vi0", errno: .outOfMemory, phrase: "could not allocate the interface"),
        Case(request: .valeNewInterface, name: "vi0", errno: .badAddress, phrase: "being unloaded"),
        // 3.8 DELIF
        Case(request: .valeDeleteInterface, name: "eth0", errno: .invalidArgument, phrase: "eth0 is not a persistent VALE interface"),
        Case(request: .valeDeleteInterface, name: "vi9", errno: .noSuchDeviceOrAddress, phrase: "no network interface named vi9"),
        Case(request: .valeDeleteInterface, name: "vi0", errno: .resourceBusy, phrase: "vi0 is still attached to a switch or open by an application"),
        // 3.9 POLLING
        Case(request: .valePollingEnable, name: "vale0:eth0", errno: .invalidArgument, phrase: "below the number of CPUs"),
        Case(request: .valePollingEnable, name: "vale0:eth0", errno: .noSuchDeviceOrAddress, phrase: "switch vale0 or port eth0 does not exist"),
        Case(request: .valePollingEnable, name: "vale0:vm1", errno: .notSupported, phrase: "not a NIC attachment"),
        Case(request: .valePollingEnable, name: "vale0:eth0", errno: .badAddress, phrase: "polling is already enabled on vale0:eth0"),
        Case(request: .valePollingEnable, name: "vale0:eth0", errno: .outOfMemory, phrase: "could not allocate the polling state"),
        Case(request: .valePollingDisable, name: "vale0:eth0", errno: .invalidArgument, phrase: "must start with 'val'"),
        Case(request: .valePollingDisable, name: "vale0:eth0", errno: .noSuchDeviceOrAddress, phrase: "does not exist"),
        Case(request: .valePollingDisable, name: "vale0:vm1", errno: .notSupported, phrase: "not a NIC attachment"),
        Case(request: .valePollingDisable, name: "vale0:eth0", errno: .badAddress, phrase: "polling is not enabled on vale0:eth0"),
        // 3.10 POOLS_INFO_GET
        Case(request: .poolsInfoGet, name: "vale0:eth0", errno: .invalidArgument, phrase: "only valid for attach"),
        Case(request: .poolsInfoGet, name: "vale0:x", errno: .outOfMemory, phrase: "out of memory"),
        Case(request: .poolsInfoGet, name: "eth9", errno: .noSuchDeviceOrAddress, phrase: "no network interface named eth9"),
        Case(request: .poolsInfoGet, name: "eth0", errno: .notSupported, phrase: "no native netmap driver"),
        Case(request: .poolsInfoGet, name: "eth0{1", errno: .resourceBusy, phrase: "pipe's parent"),
    ]

    /// Issues `request` through the typed API.
    static func issue(_ request: NetmapRequestType, _ name: String, on control: NetmapControl) throws {
        switch request {
        case .register: _ = try control.register(name)
        case .portInfoGet: _ = try control.portInfo(name)
        case .valeAttach: _ = try control.attach(name)
        case .valeDetach: _ = try control.detach(name)
        case .valeList: _ = try control.lookup(name)
        case .portHeaderSet: try control.setHeaderLength(name, 10)
        case .portHeaderGet: _ = try control.getHeaderLength(name)
        case .valeNewInterface: _ = try control.newInterface(name)
        case .valeDeleteInterface: try control.deleteInterface(name)
        case .valePollingEnable: try control.enablePolling(name, .singleCPU(cpu: 1))
        case .valePollingDisable: try control.disablePolling(name)
        case .poolsInfoGet: _ = try control.poolsInfo(name)
        case .syncKloopStart, .syncKloopStop, .csbEnable: Issue.record("not a typed request")
        }
    }

    @Test(arguments: cases)
    func errnoIsExplainedForItsRequest(_ testCase: Case) throws {
        let recorder = RecordingNetmapSystemCalls()
        recorder.forceErrno(testCase.errno, on: .ioctl)
        let control = try NetmapControl(systemCalls: recorder)
        let error = try #require(throws: NetmapError.self) { try Self.issue(testCase.request, testCase.name, on: control) }
        #expect(error.kind == .requestFailed)
        #expect(error.request == testCase.request)
        #expect(error.portName == testCase.name)
        #expect(error.errno == testCase.errno)
        #expect(error.description.contains(testCase.phrase), "\(error.description)")
        #expect(error.description.hasSuffix("(\(testCase.errno.name))"))
        #expect(error.description.hasPrefix("cannot \(testCase.request.verb) "))
        #expect(recorder.controlCalls.count == 1)
    }

    @Test func attachBusyReadsAsTheBriefSays() throws {
        let error = NetmapError.requestFailed(.valeAttach, portName: "vale0:eth1", errno: .resourceBusy)
        #expect(error.description == "cannot attach vale0:eth1: eth1 is already attached to a VALE switch or held open by a netmap application (or a process holds the persistent interface open) (EBUSY)")
    }

    @Test func everyTypedRequestHasAnExplanationForEachOfItsErrnos() {
        // No case above may fall back to the bare strerror text.
        for testCase in Self.cases {
            let error = NetmapError.requestFailed(testCase.request, portName: testCase.name, errno: testCase.errno)
            #expect(error.reason != testCase.errno.message, "\(testCase.testDescription) has no netmap-specific explanation")
        }
    }
}
