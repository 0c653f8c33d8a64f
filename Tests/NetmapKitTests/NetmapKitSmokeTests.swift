import Testing
@testable import NetmapKit

@Test func NetmapKitBuilds() { #expect(Bool(true)) }
