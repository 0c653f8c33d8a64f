// valed-model: the real valed, with netmap replaced by VALEKernelModel.
// The model's state lives in the JSON file named by $VALED_MODEL_STATE, so it
// survives valed being killed and restarted, exactly like the kernel would,
// and the test process can read it (and its call log) at any time.
// Test-only: this executable is never installed.
import Foundation
import VALEKernelModel
import ValeDaemon

guard let stateFile = ProcessInfo.processInfo.environment["VALED_MODEL_STATE"] else {
    FileHandle.standardError.write(Data("valed-model: set VALED_MODEL_STATE to the model's state file\n".utf8))
    exit(2)
}
let model = VALEKernelModel(stateFile: stateFile)
await ValedCommand.runMain(environment: DaemonEnvironment(datapaths: DatapathSelection(
    netmapSystemCalls: model,
    netmapDevicePresent: { model.state.deviceExists },
    netdevExists: { name in model.state.netdev(name) != nil }),
    // The model's NICs are not real netdevs: never touch the host's links.
    linkLayer: { nil },
    // The model's netmap descriptors are not kernel descriptors: clients of
    // the descriptor socket receive a socketpair standing for the two ends.
    pipeDescriptors: .socketPairStandIns))
