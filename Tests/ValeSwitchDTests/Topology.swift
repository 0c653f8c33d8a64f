import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Three namespaces: `switchNS` runs vale-switchd and holds the switch ends
/// of two veth pairs (`sa`, `sb`); `a` and `b` hold the other ends (`eth0`,
/// 10.77.0.1 and 10.77.0.2).
final class ForwarderTopology: @unchecked Sendable {
    let switchNS: NetworkNamespace
    let a: NetworkNamespace
    let b: NetworkNamespace
    static let addressA = "10.77.0.1"
    static let addressB = "10.77.0.2"

    init() throws {
        switchNS = try NetworkNamespace(prefix: "swd")
        a = try NetworkNamespace(prefix: "swa")
        b = try NetworkNamespace(prefix: "swb")
        try a.addVeth(inside: "eth0", outside: "sa", outsideIn: switchNS)
        try b.addVeth(inside: "eth0", outside: "sb", outsideIn: switchNS)
        try a.run(["ip", "addr", "add", "\(Self.addressA)/24", "dev", "eth0"])
        try b.run(["ip", "addr", "add", "\(Self.addressB)/24", "dev", "eth0"])
    }

    func delete() {
        a.delete()
        b.delete()
        switchNS.delete()
    }
}
