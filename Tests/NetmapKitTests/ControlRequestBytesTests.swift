import CNetmap
import NetmapKit
import NetmapKitTesting
import Testing

/// The exact bytes NetmapControl sends through the seam for each request type
/// (NETMAP-API.md 2.2, 3), and how it reads the answers.
@Suite struct ControlRequestBytesTests {
    /// 88 header bytes as the kernel expects them; `body` tells whether nr_body is non-zero.
    static func expectHeader(_ call: RecordingNetmapSystemCalls.Call, type: NetmapRequestType, name: String,
                             hasBody: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let header = call.header else {
            Issue.record("no header recorded", sourceLocation: sourceLocation)
            return
        }
        #expect(header.count == 88, sourceLocation: sourceLocation)
        #expect(Array(header[0..<2]) == [14, 0], "nr_version must be 14", sourceLocation: sourceLocation)
        #expect(Array(header[2..<4]) == [UInt8(type.rawValue), 0], "nr_reqtype", sourceLocation: sourceLocation)
        #expect(Array(header[4..<8]) == [0, 0, 0, 0], "nr_reserved must be 0", sourceLocation: sourceLocation)
        var nameBytes = [UInt8](repeating: 0, count: 64)
        for (i, b) in name.utf8.enumerated() { nameBytes[i] = b }
        #expect(Array(header[8..<72]) == nameBytes, "nr_name", sourceLocation: sourceLocation)
        #expect(Array(header[72..<80]) == [0, 0, 0, 0, 0, 0, 0, 0], "nr_options must be 0", sourceLocation: sourceLocation)
        let body = call.headerField(at: 80, size: 8)!
        #expect((body != 0) == hasBody, "nr_body presence", sourceLocation: sourceLocation)
        #expect(call.request == 0xC058_6997, sourceLocation: sourceLocation)
    }

    static func bytes(_ count: Int, _ set: [Int: UInt8] = [:]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        for (offset, value) in set { result[offset] = value }
        return result
    }

    func control(_ recorder: RecordingNetmapSystemCalls) throws -> NetmapControl {
        try NetmapControl(systemCalls: recorder)
    }

    @Test func openUsesDevNetmapReadWrite() throws {
        let recorder = RecordingNetmapSystemCalls()
        let control = try control(recorder)
        #expect(recorder.calls.first?.kind == .open)
        #expect(recorder.calls.first?.path == "/dev/netmap")
        try control.close()
        #expect(recorder.calls.last?.kind == .close)
        #expect(throws: NetmapError.self) { _ = try control.detach("vale0:eth0") }
    }

    @Test func register() throws {
        let recorder = RecordingNetmapSystemCalls()
        var config = RegisterRequest(mode: .oneNIC, ringID: 2, flags: [.exclusive, .noTXPoll], memoryRegion: 3)
        config.txSlots = 0x0102
        _ = try control(recorder).register("netmap:eth0", config)
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .register, name: "netmap:eth0", hasBody: true)
        // mode @36 = 4, ringid @34 = 2, mem_id @32 = 3, tx_slots @16, flags @48 = 0x20800
        #expect(call.body == Self.bytes(56, [16: 0x02, 17: 0x01, 32: 3, 34: 2, 36: 4, 49: 0x08, 50: 0x02]))
    }

    @Test func portInfo() throws {
        let recorder = RecordingNetmapSystemCalls()
        _ = try control(recorder).portInfo("vale0:vm1")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .portInfoGet, name: "vale0:vm1", hasBody: true)
        #expect(call.body == Self.bytes(32))
        _ = try control(recorder).portInfo("", memoryRegion: 2)
        #expect(recorder.controlCalls.last?.body == Self.bytes(32, [24: 2]))
    }

    @Test func attachNICOnly() throws {
        let recorder = RecordingNetmapSystemCalls()
        _ = try control(recorder).attach("vale0:eth0")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeAttach, name: "vale0:eth0", hasBody: true)
        #expect(call.body == Self.bytes(64, [36: 1]))
    }

    @Test func attachWithHostStackAndRegion() throws {
        let recorder = RecordingNetmapSystemCalls()
        _ = try control(recorder).attach("vale1:eth2", hostStack: true, memoryRegion: 0x0203)
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeAttach, name: "vale1:eth2", hasBody: true)
        #expect(call.body == Self.bytes(64, [32: 3, 33: 2, 36: 3]))
    }

    @Test func detach() throws {
        let recorder = RecordingNetmapSystemCalls()
        _ = try control(recorder).detach("vale0:eth0")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeDetach, name: "vale0:eth0", hasBody: true)
        #expect(call.body == Self.bytes(8))
    }

    @Test func lookup() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.storeBody(UInt16(3), at: 0)
            invocation.storeBody(UInt32(255), at: 4)
            return 0
        })
        let result = try control(recorder).lookup("vale3:p")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeList, name: "vale3:p", hasBody: true)
        #expect(call.body == Self.bytes(8))
        #expect(result == VALELookup(bridgeIndex: 3, portIndex: nil), "255 means: switch exists, port not in it")

        recorder.setIoctlHandler { invocation throws(Errno) in
            invocation.storeBody(UInt16(1), at: 0)
            invocation.storeBody(UInt32(7), at: 4)
            return 0
        }
        #expect(try control(recorder).lookup("vale1:q") == VALELookup(bridgeIndex: 1, portIndex: 7))
    }

    @Test func enumerationLoopAdvancesTheCursorAndStopsAtENOENT() throws {
        // Two switches with holes: (0,0) (0,5) (2,1).
        let ports: [(UInt16, UInt32, String)] = [(0, 0, "vale0:eth0"), (0, 5, "vale0:eth0^"), (2, 1, "vi0")]
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            let b = invocation.body!.load(as: UInt16.self)
            let p = invocation.body!.load(fromByteOffset: 4, as: UInt32.self)
            #expect(invocation.name.isEmpty, "enumeration must send an empty name")
            guard let next = ports.first(where: { ($0.0, $0.1) >= (b, p) }) else { throw Errno.noSuchFileOrDirectory }
            invocation.storeName(next.2)
            invocation.storeBody(next.0, at: 0)
            invocation.storeBody(next.1, at: 4)
            return 0
        })
        let entries = try control(recorder).list()
        #expect(entries == [
            VALEListEntry(name: "vale0:eth0", bridgeIndex: 0, portIndex: 0),
            VALEListEntry(name: "vale0:eth0^", bridgeIndex: 0, portIndex: 5),
            VALEListEntry(name: "vi0", bridgeIndex: 2, portIndex: 1),
        ])
        #expect(entries[1].isHostPort)
        #expect(!entries[2].hasSwitchPrefix)
        let sent = recorder.controlCalls.map { $0.body! }
        #expect(sent == [Self.bytes(8), Self.bytes(8, [4: 1]), Self.bytes(8, [4: 6]), Self.bytes(8, [0: 2, 4: 2])])
        for call in recorder.controlCalls { Self.expectHeader(call, type: .valeList, name: "", hasBody: true) }
    }

    @Test func listOfNothingIsEmpty() throws {
        let recorder = RecordingNetmapSystemCalls()
        recorder.forceErrno(.noSuchFileOrDirectory, on: .ioctl)
        #expect(try control(recorder).list().isEmpty)
    }

    @Test func listFailureOtherThanENOENTThrows() throws {
        let recorder = RecordingNetmapSystemCalls()
        recorder.forceErrno(.badAddress, on: .ioctl)
        let error = try #require(throws: NetmapError.self) { try control(recorder).list() }
        #expect(error.description.hasPrefix("cannot list VALE ports:"))
    }

    @Test func headerLength() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            if invocation.requestType == .portHeaderGet { invocation.storeBody(UInt32(12), at: 0) }
            return 0
        })
        let control = try control(recorder)
        try control.setHeaderLength("vale0:vm1", 10)
        Self.expectHeader(recorder.controlCalls[0], type: .portHeaderSet, name: "vale0:vm1", hasBody: true)
        #expect(recorder.controlCalls[0].body == Self.bytes(8, [0: 10]))
        #expect(try control.getHeaderLength("vale0:vm1") == 12)
        Self.expectHeader(recorder.controlCalls[1], type: .portHeaderGet, name: "vale0:vm1", hasBody: true)
        #expect(recorder.controlCalls[1].body == Self.bytes(8))
    }

    @Test func newInterface() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.storeBody(UInt32(1024), at: 0)
            invocation.storeBody(UInt32(1024), at: 4)
            invocation.storeBody(UInt16(1), at: 8)
            invocation.storeBody(UInt16(1), at: 10)
            invocation.storeBody(UInt16(2), at: 12)
            return 0
        })
        let result = try control(recorder).newInterface("vi0", NewInterfaceConfig(txSlots: 0x0200, rxSlots: 0x0300, txRings: 2, rxRings: 3, memoryRegion: 0))
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeNewInterface, name: "vi0", hasBody: true)
        #expect(call.body == Self.bytes(16, [1: 2, 5: 3, 8: 2, 10: 3]))
        #expect(result == NewInterfaceConfig(txSlots: 1024, rxSlots: 1024, txRings: 1, rxRings: 1, memoryRegion: 2))
    }

    @Test func deleteInterfaceSendsNoBody() throws {
        let recorder = RecordingNetmapSystemCalls()
        try control(recorder).deleteInterface("vi0")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valeDeleteInterface, name: "vi0", hasBody: false)
        #expect(call.body == nil)
    }

    @Test func pollingSingleCPUIsSentAsOneCPUOne() throws {
        let recorder = RecordingNetmapSystemCalls()
        try control(recorder).enablePolling("vale0:eth0", .singleCPU(cpu: 3))
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valePollingEnable, name: "vale0:eth0", hasBody: true)
        #expect(call.body == Self.bytes(16, [0: 1, 4: 3, 8: 1]))
    }

    @Test func pollingMultiCPU() throws {
        let recorder = RecordingNetmapSystemCalls()
        try control(recorder).enablePolling("vale0:eth0", .multiCPU(first: 1, count: 2))
        #expect(recorder.controlCalls.last?.body == Self.bytes(16, [0: 2, 4: 1, 8: 2]))
        try control(recorder).disablePolling("vale0:eth0")
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .valePollingDisable, name: "vale0:eth0", hasBody: true)
        #expect(call.body == Self.bytes(16))
    }

    @Test func poolsInfo() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.storeBody(UInt64(4096 * 1000), at: 0)
            invocation.storeBody(UInt16(5), at: 8)
            invocation.storeBody(UInt32(2048), at: 60)
            return 0
        })
        let info = try control(recorder).poolsInfo("vale0:x", memoryRegion: 5)
        let call = try #require(recorder.controlCalls.last)
        Self.expectHeader(call, type: .poolsInfoGet, name: "vale0:x", hasBody: true)
        #expect(call.body == Self.bytes(64, [8: 5]))
        #expect(info.memorySize == 4_096_000)
        #expect(info.memoryRegion == 5)
        #expect(info.bufferPool.size == 2048)
    }

    @Test func attachReturnsThePortIndexOnlyOnSuccess() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.storeBody(UInt32(7), at: 56)
            return 0
        })
        #expect(try control(recorder).attach("vale0:eth0") == 7)
        // A kernel that scribbles on the body and fails: the body must be ignored.
        recorder.setIoctlHandler { invocation throws(Errno) in
            invocation.storeBody(UInt32(9), at: 56)
            throw Errno.resourceBusy
        }
        let error = try #require(throws: NetmapError.self) { try control(recorder).attach("vale0:eth0") }
        #expect(error.errno == .resourceBusy)
    }

    @Test func everyCallUsesAFreshHeaderWithReservedZero() throws {
        // The kernel may hand nr_reserved back as 1 after some failures (3.0).
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.header!.pointee.nr_reserved = 1
            throw Errno.invalidArgument
        })
        let control = try control(recorder)
        _ = try? control.detach("vale0:a")
        _ = try? control.detach("vale0:a")
        #expect(recorder.controlCalls.count == 2)
        for call in recorder.controlCalls { #expect(call.headerField(at: 4, size: 4) == 0) }
    }

    @Test func answeredVersionOutside14To15IsRefused() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.header!.pointee.nr_version = 16
            return 0
        })
        let error = try #require(throws: NetmapError.self) { try control(recorder).detach("vale0:a") }
        #expect(error.kind == .apiMismatch)
        recorder.setIoctlHandler { invocation throws(Errno) in
            invocation.header!.pointee.nr_version = 15
            return 0
        }
        #expect(try control(recorder).detach("vale0:a") == 0)
    }

    @Test func namesLongerThan63BytesNeverReachTheKernel() throws {
        let recorder = RecordingNetmapSystemCalls()
        let long = "vale0:" + String(repeating: "x", count: 58)
        let error = try #require(throws: NetmapError.self) { try control(recorder).detach(long) }
        #expect(error.kind == .invalidName)
        #expect(recorder.controlCalls.isEmpty)
        _ = try control(recorder).detach("vale0:" + String(repeating: "x", count: 57))
        #expect(recorder.controlCalls.count == 1)
    }

    @Test func absentDeviceIsExplained() throws {
        let recorder = RecordingNetmapSystemCalls()
        recorder.forceErrno(.noSuchFileOrDirectory, on: .open)
        let error = try #require(throws: NetmapError.self) { try NetmapControl(systemCalls: recorder) }
        #expect(error.isDeviceAbsent)
        #expect(error.description == "cannot open /dev/netmap: the netmap device does not exist: the netmap kernel module is not loaded or its device node was not created (ENOENT)")
        recorder.forceErrno(.permissionDenied, on: .open)
        let denied = try #require(throws: NetmapError.self) { try NetmapControl(systemCalls: recorder) }
        #expect(!denied.isDeviceAbsent)
        #expect(denied.description.contains("permission denied"))
    }
}

@Suite struct EnumerationGuardTests {
    @Test func aCursorGoingBackwardsStopsTheLoop() throws {
        let recorder = RecordingNetmapSystemCalls(ioctl: { invocation throws(Errno) in
            invocation.storeName("vale0:a")
            invocation.storeBody(UInt16(0), at: 0)
            invocation.storeBody(UInt32(0), at: 4)
            return 0
        })
        let error = try #require(throws: NetmapError.self) { try NetmapControl(systemCalls: recorder).list() }
        #expect(error.kind == .apiMismatch)
        #expect(recorder.controlCalls.count == 2)
    }
}

@Suite struct ConcurrentControlTests {
    @Test func manyTasksShareOneControl() async throws {
        let recorder = RecordingNetmapSystemCalls()
        let control = try NetmapControl(systemCalls: recorder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 { group.addTask { _ = try control.detach("vale0:p\(i)") } }
            try await group.waitForAll()
        }
        #expect(recorder.controlCalls.count == 50)
        #expect(Set(recorder.controlCalls.compactMap(\.name)).count == 50)
        try control.close()
        try control.close()
        #expect(recorder.calls.filter { $0.kind == .close }.count == 1, "close is idempotent")
    }
}
