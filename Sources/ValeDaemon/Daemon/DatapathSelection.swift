import Foundation
import NetmapKit

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

    /// The datapath for `choice`. `auto` falls back to userspace when netmap
    /// is absent; `kernel` refuses with the reason.
    public func make(_ choice: DatapathChoice, config: ValedConfig) throws -> Datapath {
        switch choice {
        case .userspace:
            return UserspaceDatapath(configuration: config.userspace, reason: "configured (datapath: userspace)")
        case .kernel:
            guard netmapDevicePresent() else {
                throw EngineError(.notSupported, "datapath kernel was requested but \(Netmap.devicePath) is absent: netmap is not loaded (see `valectl module status`)")
            }
            return try kernel(reason: "configured (datapath: kernel)")
        case .auto:
            if netmapDevicePresent() {
                return try kernel(reason: "\(Netmap.devicePath) is present")
            }
            return UserspaceDatapath(configuration: config.userspace,
                                     reason: "\(Netmap.devicePath) is absent (netmap is not loaded), so valed runs its userspace switch")
        }
    }

    private func kernel(reason: String) throws -> Datapath {
        let control: NetmapControl
        do { control = try NetmapControl(systemCalls: netmapSystemCalls) } catch {
            throw EngineError(.datapathFailed, "cannot open \(Netmap.devicePath): \(error)")
        }
        // A first request proves the module speaks our API version (14; it
        // accepts 14–15) before anything is changed.
        do { _ = try control.list() } catch {
            throw EngineError(.datapathFailed, "netmap rejected a VALE_LIST request: \(error)")
        }
        let calls = netmapSystemCalls
        return KernelDatapath(control: control, reason: reason, netdevExists: netdevExists,
                              devicePresent: netmapDevicePresent, reopen: { try NetmapControl(systemCalls: calls) })
    }
}
