import Testing
@testable import ValeSwitch

@Test func ValeSwitchBuilds() { #expect(Bool(true)) }
