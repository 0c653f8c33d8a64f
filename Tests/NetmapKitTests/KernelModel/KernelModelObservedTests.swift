import CNetmap
import Foundation
import NetmapKit
import NetmapKitTesting
import Testing
import VALEKernelModel

/// VALEKernelModel against what NETMAP-API.md section 10 saw on a running
/// module, driven through NetmapControl as valed drives the real kernel.
@Suite struct KernelModelObservedTests {
    static func errno(_ body: () throws -> Void) -> Errno? {
        do { try body(); return nil } catch let error as NetmapError { return error.errno } catch { return .ioError }
    }

    func setUp(nics: [String] = ["eth0", "eth1"]) throws -> (VALEKernelModel, NetmapControl) {
        let model = VALEKernelModel(nics: nics)
        return (model, try NetmapControl(systemCalls: model))
    }

    @Test func newifAttachList() throws {
        let (_, control) = try setUp()
        let config = try control.newInterface("vi0")
        #expect(config == NewInterfaceConfig(txSlots: 1024, rxSlots: 1024, txRings: 1, rxRings: 1, memoryRegion: 2))
        #expect(try control.attach("vale0:vi0") == 0)
        #expect(try control.list() == [VALEListEntry(name: "vale0:vi0", bridgeIndex: 0, portIndex: 0)])
        #expect(try control.lookup("vale0:vi0") == VALELookup(bridgeIndex: 0, portIndex: 0))
        #expect(try control.lookup("vale0:nothere") == VALELookup(bridgeIndex: 0, portIndex: nil))
        #expect(Self.errno { _ = try control.lookup("vale7:x") } == .noSuchFileOrDirectory)
        #expect(Self.errno { _ = try control.lookup("valX:x") } == .invalidArgument)
    }

    @Test func portInfoOfPersistentPortAndTheRenameTrap() throws {
        let (model, control) = try setUp()
        _ = try control.newInterface("vi0")
        _ = try control.attach("vale0:vi0")
        let info = try control.portInfo("vale0:vi0")
        #expect(info.memorySize == 42_369_024)
        #expect(info.txSlots == 1024 && info.rxSlots == 1024 && info.txRings == 1 && info.rxRings == 1)
        #expect(info.memoryRegion == 2)
        // 7.11: the port is now listed as vi0 and cannot be detached by either name.
        #expect(try control.list().map(\.name) == ["vi0"])
        #expect(Self.errno { _ = try control.detach("vale0:vi0") } == .noSuchDeviceOrAddress)
        #expect(Self.errno { _ = try control.detach("vi0") } == .invalidArgument)
        #expect(Self.errno { try control.deleteInterface("vi0") } == .resourceBusy)
        // The rename is a state change, so it is logged.
        #expect(model.callLog.contains { $0.request == .portInfoGet && $0.name == "vale0:vi0" })
    }

    @Test func errorsSeenOnTheRunningModule() throws {
        let (_, control) = try setUp()
        _ = try control.newInterface("vi0")
        #expect(Self.errno { _ = try control.newInterface("vi0") } == .fileExists)
        #expect(Self.errno { _ = try control.newInterface("abcdefghijklmnop") } == .invalidArgument)
        #expect(Self.errno { _ = try control.attach("vale0123456789ab:eth0") } == .outOfMemory)
        #expect(Self.errno { _ = try control.attach("vale0:nosuchif") } == .invalidArgument)
        _ = try control.attach("vale0:vi0")
        #expect(Self.errno { _ = try control.attach("vale0:vi0") } == .resourceBusy)
        #expect(Self.errno { try control.deleteInterface("vi0") } == .resourceBusy)
        #expect(Self.errno { _ = try control.detach("vale0:eth1") } == .noSuchDeviceOrAddress)
    }

    @Test func ninthSwitchAndPort253AreRefused() throws {
        let nics = (0..<260).map { "n\($0)" }
        let (_, control) = try setUp(nics: nics)
        for i in 0..<8 { _ = try control.attach("vale\(i):n\(i)") }
        #expect(Self.errno { _ = try control.attach("vale8:n8") } == .outOfMemory)
        // vale0 already has one port; 251 more fill it to 252.
        for i in 8..<259 { _ = try control.attach("vale0:n\(i)") }
        #expect(try control.list().filter { $0.bridgeIndex == 0 }.count == 252)
        #expect(Self.errno { _ = try control.attach("vale0:n259") } == .outOfMemory)
    }

    @Test func wrongVersionIsEINVALAndNrReservedTrap() throws {
        let model = VALEKernelModel(nics: ["eth0"])
        let fd = try model.open("/dev/netmap", flags: 0)
        var header = nmreq_header()
        header.nr_version = 13
        header.nr_reqtype = NetmapRequestType.valeDeleteInterface.rawValue
        #expect(throws: Errno.invalidArgument) { _ = try model.ioctl(fd, request: Netmap.NIOCCTRL, argument: &header) }
        // DELIF with a body: EINVAL and nr_reserved comes back as 1 (3.0 trap).
        header.nr_version = 14
        var body = nmreq_vale_detach()
        withUnsafeMutablePointer(to: &body) { header.nr_body = UInt64(UInt(bitPattern: $0)) }
        #expect(throws: Errno.invalidArgument) { _ = try model.ioctl(fd, request: Netmap.NIOCCTRL, argument: &header) }
        #expect(header.nr_reserved == 1)
        // Reusing that header fails again, whatever the request.
        header.nr_body = 0
        #expect(throws: Errno.invalidArgument) { _ = try model.ioctl(fd, request: Netmap.NIOCCTRL, argument: &header) }
        #expect(throws: Errno.invalidArgument) { _ = try model.ioctl(fd, request: Netmap.NIOCCTRL, argument: nil) }
        #expect(throws: Errno.notSupported) { _ = try model.ioctl(fd, request: 0x1234, argument: nil) }
    }

    @Test func hostStackAttachAddsACaretPortAndDetachRemovesBoth() throws {
        let (_, control) = try setUp()
        #expect(try control.attach("vale0:eth1", hostStack: true) == 0)
        #expect(try control.list() == [
            VALEListEntry(name: "vale0:eth1", bridgeIndex: 0, portIndex: 0),
            VALEListEntry(name: "vale0:eth1^", bridgeIndex: 0, portIndex: 1),
        ])
        #expect(Self.errno { _ = try control.detach("vale0:eth1^") } == .resourceBusy)
        #expect(try control.detach("vale0:eth1") == 0)
        #expect(try control.list().isEmpty)
    }

    @Test func pollingAsValeCtlSendsItFailsAndMultiCPUWorks() throws {
        let (model, control) = try setUp()
        _ = try control.attach("vale0:eth0")
        // vale-ctl's single-CPU request {1, cpu, 0}.
        var raw = try NetmapControlRequest.enablePolling("vale0:eth0", .singleCPU(cpu: 1))
        raw.body[8] = 0
        #expect(Self.errno { _ = try control.perform(raw) } == .invalidArgument)
        try control.enablePolling("vale0:eth0", .multiCPU(first: 0, count: 2))
        #expect(Self.errno { _ = try control.detach("vale0:eth0") } == .resourceBusy)
        #expect(Self.errno { try control.enablePolling("vale0:eth0", .singleCPU(cpu: 1)) } == .badAddress)
        try control.disablePolling("vale0:eth0")
        #expect(Self.errno { try control.disablePolling("vale0:eth0") } == .badAddress)
        try control.enablePolling("vale0:eth0", .singleCPU(cpu: 1))
        try control.disablePolling("vale0:eth0")
        #expect(try control.detach("vale0:eth0") == 0)
        #expect(model.state.switches.allSatisfy { $0 == nil })
    }

    @Test func pollingLimits() throws {
        let (model, control) = try setUp()
        _ = try control.attach("vale0:eth0")
        try model.addEphemeralPort("vale0:vm1")
        #expect(Self.errno { try control.enablePolling("vale0:vm1", .singleCPU(cpu: 0)) } == .notSupported)
        #expect(Self.errno { try control.enablePolling("vale0:eth0", .multiCPU(first: 0, count: 4)) } == .invalidArgument, "count must stay below the CPU count (4)")
        #expect(Self.errno { try control.enablePolling("vale0:eth0", .multiCPU(first: 3, count: 2)) } == .invalidArgument, "rings 3,4 do not exist")
        #expect(Self.errno { try control.enablePolling("vale0:eth9", .singleCPU(cpu: 0)) } == .noSuchDeviceOrAddress)
        #expect(Self.errno { try control.disablePolling("eth0") } == .invalidArgument)
    }

    @Test func monitorBeforeItsPortExistsIsEINVAL() throws {
        let (model, _) = try setUp()
        let control = try NetmapControl(systemCalls: model)
        #expect(Self.errno { _ = try control.register("vale0:vm1", RegisterRequest(PortName.parse("vale0:vm1/r"))) } == .invalidArgument)
        try model.addEphemeralPort("vale0:vm1")
        _ = try control.register("vale0:vm1", RegisterRequest(PortName.parse("vale0:vm1/r")))
    }

    @Test func ephemeralPortsLiveAsLongAsTheirFd() throws {
        let (model, control) = try setUp()
        let app = try NetmapControl(systemCalls: model)
        let result = try app.register("vale0:vm1")
        #expect(result.txRings == 1 && result.txSlots == 1024)
        #expect(try control.list().map(\.name) == ["vale0:vm1"])
        #expect(Self.errno { _ = try control.detach("vale0:vm1") } == .resourceBusy)
        #expect(Self.errno { _ = try app.register("vale0:vm2") } == .resourceBusy, "an fd binds one port")
        try app.close()
        #expect(try control.list().isEmpty)
        // Attached NICs are kernel-owned: opening them is EBUSY; ATTACH syntax is not for REGISTER.
        _ = try control.attach("vale0:eth0")
        let other = try NetmapControl(systemCalls: model)
        #expect(Self.errno { _ = try other.register("vale0:eth0") } == .resourceBusy)
        #expect(Self.errno { _ = try other.register("eth0") } == .resourceBusy)
        #expect(Self.errno { _ = try other.register("vale0:eth1") } == .invalidArgument)
        #expect(Self.errno { _ = try other.register("eth7") } == .noSuchDeviceOrAddress)
        // A NIC opened by an application cannot be attached.
        let holder = try NetmapControl(systemCalls: model)
        _ = try holder.register("eth1")
        #expect(Self.errno { _ = try control.attach("vale1:eth1") } == .resourceBusy)
    }

    @Test func persistentInterfaceOnTwoSwitches() throws {
        let (_, control) = try setUp()
        _ = try control.newInterface("vi0")
        _ = try control.attach("vale0:vi0")
        _ = try control.attach("vale1:vi0")
        // The second attach renamed the first (7.11) and the first cannot be detached before the second.
        #expect(try control.list().map(\.name) == ["vi0", "vale1:vi0"])
        #expect(try control.detach("vale1:vi0") == 0)
    }

    @Test func headerLengthAndDeleteInterface() throws {
        let (model, control) = try setUp()
        try model.addEphemeralPort("vale0:vm1")
        try control.setHeaderLength("vale0:vm1", 12)
        #expect(try control.getHeaderLength("vale0:vm1") == 12)
        #expect(Self.errno { try control.setHeaderLength("vale0:vm1", 11) } == .invalidArgument)
        #expect(Self.errno { try control.setHeaderLength("vale0:vm9", 10) } == .noSuchDeviceOrAddress)
        #expect(Self.errno { try control.setHeaderLength("eth0", 10) } == .noSuchDeviceOrAddress)
        #expect(Self.errno { _ = try control.getHeaderLength("nothere") } == .noSuchDeviceOrAddress)
        #expect(Self.errno { _ = try control.getHeaderLength("vale0:vm1{1") } == .noSuchDevice)
        #expect(Self.errno { try control.deleteInterface("eth0") } == .invalidArgument)
        #expect(Self.errno { try control.deleteInterface("vi0") } == .noSuchDeviceOrAddress)
        _ = try control.newInterface("vi0")
        try control.deleteInterface("vi0")
        #expect(model.state.netdev("vi0") == nil)
    }

    @Test func absentDevice() throws {
        let model = VALEKernelModel()
        model.setDeviceExists(false)
        let error = try #require(throws: NetmapError.self) { try NetmapControl(systemCalls: model) }
        #expect(error.isDeviceAbsent)
    }

    @Test func recorderInFrontOfTheModelSeesBytesAndResults() throws {
        let model = VALEKernelModel(nics: ["eth0"])
        let recorder = RecordingNetmapSystemCalls(kernel: model)
        let control = try NetmapControl(systemCalls: recorder)
        _ = try control.attach("vale0:eth0")
        #expect(Self.errno { _ = try control.attach("vale0:eth0") } == .resourceBusy)
        #expect(recorder.controlCalls.map(\.errno) == [nil, .resourceBusy])
        #expect(recorder.controlCalls.map(\.name) == ["vale0:eth0", "vale0:eth0"])
        model.addNIC("eth1")
        _ = try control.attach("vale0:eth1")
        #expect(recorder.controlCalls[2].replyBody?[56] == 1, "port_index written back")
        _ = try control.list()
        #expect(recorder.controlCalls[3].replyName == "vale0:eth0", "the enumeration answer")
    }
}

@Suite struct KernelModelUnplugTests {
    @Test func anUnpluggedNICCanStillBeDetachedByName() throws {
        // 7.8: the attachment holds the netdev; detach looks the port up by name.
        let model = VALEKernelModel(nics: ["eth0"])
        let control = try NetmapControl(systemCalls: model)
        _ = try control.attach("vale0:eth0", hostStack: true)
        model.removeNetdev("eth0")
        #expect(try control.list().map(\.name) == ["vale0:eth0", "vale0:eth0^"])
        #expect(try control.detach("vale0:eth0") == 0)
        #expect(try control.list().isEmpty)
        // When it comes back it is a new netdev: attach again.
        model.addNIC("eth0")
        #expect(try control.attach("vale0:eth0") == 0)
    }

    @Test func switchIndexIsReusedAfterTheLastPortLeaves() throws {
        let model = VALEKernelModel(nics: ["eth0", "eth1"])
        let control = try NetmapControl(systemCalls: model)
        _ = try control.attach("vale0:eth0")
        _ = try control.attach("vale1:eth1")
        _ = try control.detach("vale0:eth0")
        _ = try control.attach("vale7:eth0")
        #expect(try control.lookup("vale7:eth0") == VALELookup(bridgeIndex: 0, portIndex: 0))
        #expect(try control.list().map(\.bridgeIndex) == [0, 1])
    }
}

@Suite struct KernelModelRenameTrapTests {
    @Test func firstOpenerOfAnAttachedPersistentPortRenamesIt() throws {
        // 7.11: an application opening vale0:vi0 while nobody has it open.
        let model = VALEKernelModel()
        let control = try NetmapControl(systemCalls: model)
        _ = try control.newInterface("vi0")
        _ = try control.attach("vale0:vi0")
        let app = try NetmapControl(systemCalls: model)
        _ = try app.register("vale0:vi0")
        #expect(try control.list().map(\.name) == ["vi0"])
        #expect(throws: NetmapError.self) { _ = try control.detach("vale0:vi0") }
    }

    @Test func queryingBeforeAttachingIsSafe() throws {
        // The mitigation of 7.11: PORT_INFO_GET before ATTACH leaves the name alone.
        let model = VALEKernelModel()
        let control = try NetmapControl(systemCalls: model)
        _ = try control.newInterface("vi0")
        _ = try control.portInfo("vi0")
        _ = try control.attach("vale0:vi0")
        #expect(try control.list().map(\.name) == ["vale0:vi0"])
        #expect(try control.detach("vale0:vi0") == 0)
        try control.deleteInterface("vi0")
        #expect(model.state.netdevs.isEmpty)
        #expect(model.callLog.map(\.request) == [.valeNewInterface, .valeAttach, .valeDetach, .valeDeleteInterface])
    }
}

/// Facts issue 15 brought back from a real module.
@Suite struct KernelModelIssue15Tests {
    @Test func aMonitorWhosePortLeftTheSwitchGetsNoPOLLERR() throws {
        let model = VALEKernelModel()
        try model.addEphemeralPort("vale0:b")
        let monitor = try NetmapControl(systemCalls: model)
        _ = try monitor.register("vale0:b", RegisterRequest(mode: .allNIC, flags: .monitorRX))
        model.removeEphemeralPort("vale0:b")
        var fds = [pollfd(fd: try #require(monitor.fileDescriptor), events: Int16(POLLIN), revents: 0)]
        let ready = try fds.withUnsafeMutableBufferPointer { try model.poll($0, timeout: 0) }
        #expect(ready == 0)
        #expect(fds[0].revents & Int16(POLLERR) == 0, "the kernel does not tell a monitor that its port vanished")
        #expect(model.state.listedNames.isEmpty, "only VALE_LIST shows that it is gone")
    }

    @Test func newifSucceedsWhereTheAttachOnANinthSwitchFailsWithENOMEM() throws {
        let model = VALEKernelModel(maxSwitches: 1)
        try model.addEphemeralPort("vale0:vm")
        let control = try NetmapControl(systemCalls: model)
        _ = try control.newInterface("s9")
        #expect(KernelModelObservedTests.errno { _ = try control.attach("vale9:s9") } == .outOfMemory)
        #expect(model.state.netdev("s9") != nil, "the netdev stays until someone deletes it")
    }

    @Test func pollingStartedAndStoppedOutsideValedIsWhatTheKernelAnswers() throws {
        let model = VALEKernelModel(nics: ["eth1"])
        let control = try NetmapControl(systemCalls: model)
        _ = try control.attach("vale0:eth1")
        model.startPollingOutsideValed("vale0:eth1")
        #expect(KernelModelObservedTests.errno { try control.enablePolling("vale0:eth1", .singleCPU(cpu: 0)) } == .badAddress)
        model.stopPollingOutsideValed("vale0:eth1")
        #expect(KernelModelObservedTests.errno { try control.disablePolling("vale0:eth1") } == .badAddress)
        try control.enablePolling("vale0:eth1", .singleCPU(cpu: 0))
        #expect(model.pollingOf("vale0:eth1") != nil)
    }

    @Test func vale_ctl_g_onAnAttachedPersistentPortListsItWithoutItsSwitch() throws {
        let model = VALEKernelModel()
        let control = try NetmapControl(systemCalls: model)
        _ = try control.newInterface("rt0")
        _ = try control.attach("vale0:rt0")
        _ = try NetmapControl(systemCalls: model).portInfo("vale0:rt0")
        #expect(try control.list() == [VALEListEntry(name: "rt0", bridgeIndex: 0, portIndex: 0)])
        #expect(KernelModelObservedTests.errno { _ = try control.detach("vale0:rt0") } == .noSuchDeviceOrAddress)
        #expect(KernelModelObservedTests.errno { try control.deleteInterface("rt0") } == .resourceBusy)
    }
}
