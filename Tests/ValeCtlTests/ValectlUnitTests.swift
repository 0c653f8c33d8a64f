import Foundation
import NetmapKit
import Testing
import ValeProtocol
@testable import ValeCtl

@Suite struct ValectlUnitTests {
    @Test(arguments: [
        ("vale0:eth0", true), ("vale:x", true), ("vale_lan1:vm1", true), ("valeABCDEFGHIJK:p", true),
        ("valeABCDEFGHIJKL:p", false), ("eth0", false), ("vale0", false), ("vale0:", false), ("vale-0:eth0", false),
        ("vale0:abcdefghijklmnop", false), ("vale0:a b", false), ("vale0:a/b", false), ("vale0:eth0^", false), ("val0:eth0", false),
    ])
    func switchAndPortNames(_ text: String, _ valid: Bool) {
        let accepted = (try? NameArgument.switchAndPort(text)) != nil
        #expect(accepted == valid, "\(text)")
    }

    @Test func persistentPortNames() {
        #expect((try? NameArgument.check { try InterfaceName.validateNewInterface("vm1") }) != nil)
        #expect((try? NameArgument.check { try InterfaceName.validateNewInterface("vale1") }) == nil)
        #expect((try? NameArgument.check { try InterfaceName.validateNewInterface("a/b") }) == nil)
        #expect((try? NameArgument.check { try InterfaceName.validateNewInterface("0123456789abcdef") }) == nil)
    }

    @Test func tableColumnsAreAligned() {
        let text = Output.table(["A", "LONGER", "C"], [["xyz", "1", "last"], ["q", "22222222", "x"]])
        #expect(text == "A    LONGER    C\nxyz  1         last\nq    22222222  x")
    }

    @Test func keyValuesAreAligned() {
        #expect(Output.keyValues([("a", "1"), ("long key", "2")]) == "a:        1\nlong key: 2")
    }

    @Test func pcapRecordLayout() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("valectl-\(UUID()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let writer = try PcapWriter(handle: handle)
        try writer.write(Frame(seconds: 0x0102_0304, nanoseconds: 7, direction: .rx, length: 100, data: Data([9, 8, 7])))
        try handle.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 24 + 16 + 3)
        #expect(Array(bytes[0..<8]) == [0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0])
        #expect(Array(bytes[20..<24]) == [1, 0, 0, 0])
        #expect(Array(bytes[24..<40]) == [4, 3, 2, 1, 7, 0, 0, 0, 3, 0, 0, 0, 100, 0, 0, 0])
        #expect(Array(bytes[40...]) == [9, 8, 7])
    }

    @Test func planRendering() {
        let reply = PlanReply(changed: true, steps: [
            PlanStep(index: 0, action: "attach", object: "vale0:eth0", description: "attach eth0", status: .applied),
            PlanStep(index: 1, action: "detach", object: "vale0:eth1", description: "detach eth1", status: .failed, error: "EBUSY"),
        ], message: "applied 1 of 2 steps")
        #expect(Output.plan(reply) == """
            #  STATUS   ACTION  OBJECT      DESCRIPTION
            1  applied  attach  vale0:eth0  attach eth0
            2  failed   detach  vale0:eth1  detach eth1: EBUSY
            applied 1 of 2 steps
            """)
        #expect(reply.hasFailure)
    }
}

@Suite struct GlobalArgumentsTests {
    @Test(arguments: [
        (["--socket", "/s", "list"], ["list", "--socket", "/s"]),
        (["--json", "--timeout=3", "port", "show", "vm1"], ["port", "show", "vm1", "--json", "--timeout=3"]),
        (["list", "--json"], ["list", "--json"]),
        (["--socket", "/s"], ["--socket", "/s"]),
        (["--socket", "/s", "--help"], ["--socket", "/s", "--help"]),
        (["--version"], ["--version"]),
    ])
    func leadingGlobalOptionsMoveBehindTheCommand(_ input: [String], _ expected: [String]) {
        #expect(GlobalArguments.normalized(input) == expected)
    }
}
