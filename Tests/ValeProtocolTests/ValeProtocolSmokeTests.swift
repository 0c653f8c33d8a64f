import Testing
@testable import ValeProtocol

@Test func versionIsSemver() { #expect(ValedVersion.string.split(separator: ".").count == 3) }
