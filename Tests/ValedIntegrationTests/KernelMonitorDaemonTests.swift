import Foundation
import Testing
import TestSupport
import ValeProtocol
import VALEKernelModel

/// `valectl monitor` against valed-model: proves the kernel datapath routes
/// monitors to netmap monitor ports. The model has no packet memory (its
/// mmap answers ENODEV), so frames are tested through the simulated ring
/// kernel in ValeDaemonTests, not here.
@Suite(.serialized) struct KernelMonitorDaemonTests {
    @Test func aPortNotInNetmapModeIsRefusedWithTheSentence() throws {
        let d = try ModelDaemon(nics: [])
        try d.daemon.start()
        let result = try d.daemon.valectl(["monitor", "vale0:vm9", "-c", "1"])
        #expect(!result.succeeded)
        #expect(result.stderr.contains("cannot monitor vale0:vm9: vale0:vm9 is not in netmap mode"))
        #expect(result.stderr.contains("(EINVAL)"))
        let register = d.kernelCalls.last { $0.request == .register }
        #expect(register?.name == "vale0:vm9")
        #expect(register?.errno == EINVAL)
    }

    @Test func aPortInNetmapModeGetsAMonitorRegistration() throws {
        let d = try ModelDaemon(nics: [])
        try d.daemon.start()
        try d.model.addEphemeralPort("vale0:vm1")
        let result = try d.daemon.valectl(["monitor", "vale0:vm1", "--rx", "-c", "1"])
        // REGISTER succeeds (the port is in netmap mode); the model then
        // refuses the mapping, which a real kernel would grant.
        let register = d.kernelCalls.last { $0.request == .register }
        #expect(register?.name == "vale0:vm1")
        #expect(register?.errno == 0)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("cannot monitor vale0:vm1"))
    }
}
