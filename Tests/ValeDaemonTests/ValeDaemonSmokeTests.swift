import Testing
import TestSupport
@testable import ValeDaemon

@Test(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and ip netns"))
func namespaceThreadIsolation() throws {
    let ns = try NetworkNamespace(prefix: "vdt")
    defer { ns.delete() }
    try ns.addVeth(inside: "a0", outside: "b0", outsideIn: ns)
    let links = try ns.perform { try String(contentsOfFile: "/proc/thread-self/net/dev", encoding: .utf8) }
    #expect(links.contains("a0:"))
    let outside = try String(contentsOfFile: "/proc/net/dev", encoding: .utf8)
    #expect(!outside.contains(" a0:"))
}
