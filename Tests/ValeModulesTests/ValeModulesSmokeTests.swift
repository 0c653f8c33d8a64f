import Testing
@testable import ValeModules

@Test func ValeModulesBuilds() { #expect(Bool(true)) }
