import Foundation
import NetmapKit
import ValeDatapath
import ValeState

/// Assembles netmap's kernel VALE as a provider: the datapath over an open
/// /dev/netmap with its kernel-only hooks (driver swap, native veth rule),
/// netmap monitor ports, and netmap pipes.
public struct KernelProvider: Sendable {
    /// How valed reaches netmap; a model of the kernel in tests.
    public var systemCalls: any NetmapSystemCalls
    public var netdevExists: @Sendable (String) -> Bool
    public var devicePresent: @Sendable () -> Bool
    /// The module service, for `driver: native`; nil: no driver swap.
    public var modules: ModuleService?
    /// The native veth rule (NETMAP-API.md 7.5), answered by the NIC layer.
    public var attachGuard: (@Sendable (AttachmentSpec, Set<String>) -> String?)?
    /// What clients receive for a pipe end.
    public var pipeDescriptors: PipeEndDescriptorSource

    public init(systemCalls: any NetmapSystemCalls, netdevExists: @escaping @Sendable (String) -> Bool,
                devicePresent: @escaping @Sendable () -> Bool, modules: ModuleService? = nil,
                attachGuard: (@Sendable (AttachmentSpec, Set<String>) -> String?)? = nil,
                pipeDescriptors: PipeEndDescriptorSource = .netmap) {
        self.systemCalls = systemCalls; self.netdevExists = netdevExists; self.devicePresent = devicePresent
        self.modules = modules; self.attachGuard = attachGuard; self.pipeDescriptors = pipeDescriptors
    }

    /// Opens /dev/netmap; a first request proves the module speaks our API
    /// version (14; it accepts 14–15) before anything is changed.
    public func make(reason: String) throws -> DatapathProvider {
        let control: NetmapControl
        do { control = try NetmapControl(systemCalls: systemCalls) } catch {
            throw DatapathError.failed("cannot open \(Netmap.devicePath): \(error)")
        }
        do { _ = try control.list() } catch {
            throw DatapathError.failed("netmap rejected a VALE_LIST request: \(error)")
        }
        let calls = systemCalls, netdevExists = self.netdevExists, source = pipeDescriptors
        var swapper: (@Sendable (String) throws -> String?)?
        if let modules {
            swapper = { interface in try modules.swapToNativeDriver(interface: interface) }
        }
        let datapath = KernelDatapath(control: control, reason: reason, netdevExists: netdevExists, devicePresent: devicePresent,
                                      reopen: { try NetmapControl(systemCalls: calls) },
                                      driverSwapper: swapper, attachGuard: attachGuard)
        let pipes: @Sendable (any PipeRecordKeeping) -> any PipeProviding = { records in
            PipeRegistry(engine: records, systemCalls: calls, netdevExists: netdevExists, descriptorSource: source)
        }
        return DatapathProvider(datapath: datapath, monitors: KernelMonitor(systemCalls: calls), pipes: pipes)
    }
}
