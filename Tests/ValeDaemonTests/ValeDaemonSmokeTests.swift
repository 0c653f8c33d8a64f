import Testing
@testable import ValeDaemon

@Test func ValeDaemonBuilds() { #expect(Bool(true)) }
