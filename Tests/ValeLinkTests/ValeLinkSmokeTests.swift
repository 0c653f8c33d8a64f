import Testing
@testable import ValeLink

@Test func ValeLinkBuilds() { #expect(Bool(true)) }
