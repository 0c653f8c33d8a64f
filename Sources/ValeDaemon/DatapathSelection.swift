import Foundation
import NetmapKit
import ValeDatapath
import ValeKernelVALE
import ValeState
import ValeUserspaceVALE

/// Chooses the datapath from the configuration and the host, and says why.
public struct DatapathSelection: Sendable {
    /// How the daemon reaches netmap; replaced in tests by a model of the kernel.
    public var netmapSystemCalls: any NetmapSystemCalls
    public var netmapDevicePresent: @Sendable () -> Bool
    public var netdevExists: @Sendable (String) -> Bool

    public init(netmapSystemCalls: any NetmapSystemCalls = LiveNetmapSystemCalls(),
                netmapDevicePresent: @escaping @Sendable () -> Bool = { FileManager.default.fileExists(atPath: Netmap.devicePath) },
                netdevExists: @escaping @Sendable (String) -> Bool = { if_nametoindex($0) != 0 }) {
        self.netmapSystemCalls = netmapSystemCalls
        self.netmapDevicePresent = netmapDevicePresent
        self.netdevExists = netdevExists
    }

    /// The provider for `choice`. `auto` falls back to userspace when netmap
    /// is absent; `kernel` refuses with the reason. What only the kernel
    /// provider uses (the module service's driver swap, the NIC layer's
    /// native veth rule, the pipe descriptor source) is handed to it here.
    public func make(_ choice: DatapathChoice, config: ValedConfig, modules: ModuleService? = nil,
                     attachGuard: (@Sendable (AttachmentSpec, Set<String>) -> String?)? = nil,
                     pipeDescriptors: PipeEndDescriptorSource = .netmap,
                     forwarder: ForwarderSettings = ForwarderSettings()) throws -> DatapathProvider {
        let kernel = KernelProvider(systemCalls: netmapSystemCalls, netdevExists: netdevExists, devicePresent: netmapDevicePresent,
                                    modules: modules, attachGuard: attachGuard, pipeDescriptors: pipeDescriptors)
        switch choice {
        case .userspace:
            return UserspaceDatapath.provider(configuration: config.userspace, forwarder: forwarder, reason: "configured (datapath: userspace)")
        case .kernel:
            guard netmapDevicePresent() else {
                throw DatapathError(.notSupported(feature: ""), "datapath kernel was requested but \(Netmap.devicePath) is absent: netmap is not loaded (see `valectl module status`)")
            }
            return try kernel.make(reason: "configured (datapath: kernel)")
        case .auto:
            if netmapDevicePresent() {
                return try kernel.make(reason: "\(Netmap.devicePath) is present")
            }
            return UserspaceDatapath.provider(configuration: config.userspace, forwarder: forwarder,
                                                  reason: "\(Netmap.devicePath) is absent (netmap is not loaded), so valed runs its userspace switch")
        }
    }
}
