import Foundation
import ValeDatapath
import ValeModules

extension ModuleService {
    /// The driver swap for `driver: native` NICs: finds the NIC's driver
    /// (sysfs), and unless netmap already holds it (the patched build links
    /// against netmap, so it shows under /sys/module/netmap/holders), replaces
    /// it with the patched build from the configured directory or, by name,
    /// from the module path.
    public func swapToNativeDriver(interface: String) throws -> String? {
        guard let supervisor else { throw DatapathError(.notSupported(feature: ""), unavailableReason ?? "module management is unavailable") }
        let link = "/sys/class/net/\(interface)/device/driver/module"
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else {
            throw DatapathError(.notSupported(feature: ""), "\(interface) has no driver module (virtual interface?); `driver: native` needs a NIC")
        }
        let driver = (target as NSString).lastPathComponent
        if FileManager.default.fileExists(atPath: "/sys/module/\(config.name)/holders/\(driver)") { return nil }
        let source: PatchedDriverSource = config.nativeDriverDirectory.map { .directory($0) } ?? .moduleName(driver)
        do {
            let steps = try supervisor.swapDriver(driver, to: source)
            return "swapped \(driver) for its netmap-native build: " + steps.map(\.description).joined(separator: "; ")
        } catch {
            throw DatapathError.failed("cannot swap the driver of \(interface) (\(driver)) for its netmap-native build: \(error)")
        }
    }
}
