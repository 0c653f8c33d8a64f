import Testing
@testable import ValeSystemd

@Test func ValeSystemdBuilds() { #expect(Bool(true)) }
