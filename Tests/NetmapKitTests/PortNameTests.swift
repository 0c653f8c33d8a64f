import NetmapKit
import Testing

/// The port-name grammar of NETMAP-API.md section 4: accepted names with what
/// they mean, refused names with the reason given.
@Suite struct PortNameTests {
    struct Accepted: Sendable, CustomTestStringConvertible {
        var text: String
        var kernelName: String
        var mode: RegisterMode = .allNIC
        var ring: UInt16 = 0
        var flags: RegisterFlags = []
        var memoryRegion: UInt16? = nil
        var warns: Bool = false
        var testDescription: String { text }
    }

    static let accepted: [Accepted] = [
        Accepted(text: "netmap:eth0", kernelName: "eth0"),
        Accepted(text: "netmap:eth0^", kernelName: "eth0", mode: .hostRings),
        Accepted(text: "netmap:eth0^1", kernelName: "eth0", mode: .oneHost, ring: 1),
        Accepted(text: "netmap:eth0*", kernelName: "eth0", mode: .nicAndHost),
        Accepted(text: "netmap:eth0-2", kernelName: "eth0", mode: .oneNIC, ring: 2),
        Accepted(text: "netmap:eth0-0", kernelName: "eth0", mode: .oneNIC, ring: 0),
        Accepted(text: "netmap:eth0-4094", kernelName: "eth0", mode: .oneNIC, ring: 4094),
        Accepted(text: "netmap:eth0/rt", kernelName: "eth0", flags: [.monitorRX, .monitorTX]),
        Accepted(text: "netmap:eth0/r", kernelName: "eth0", flags: [.monitorRX]),
        Accepted(text: "netmap:eth0/t", kernelName: "eth0", flags: [.monitorTX]),
        Accepted(text: "netmap:eth0/z", kernelName: "eth0", flags: [.zeroCopyMonitor]),
        Accepted(text: "netmap:eth0/x", kernelName: "eth0", flags: [.exclusive]),
        Accepted(text: "netmap:eth0/R", kernelName: "eth0", flags: [.rxRingsOnly]),
        Accepted(text: "netmap:eth0/T", kernelName: "eth0", flags: [.txRingsOnly]),
        Accepted(text: "netmap:eth0-1/xT", kernelName: "eth0", mode: .oneNIC, ring: 1, flags: [.exclusive, .txRingsOnly]),
        Accepted(text: "netmap:eth0@2", kernelName: "eth0", memoryRegion: 2),
        Accepted(text: "netmap:eth0*@3", kernelName: "eth0", mode: .nicAndHost, memoryRegion: 3),
        Accepted(text: "netmap:eth0/r@2@2", kernelName: "eth0", flags: [.monitorRX], memoryRegion: 2),
        Accepted(text: "netmap:eth0@share=netmap:vi0", kernelName: "eth0"),
        Accepted(text: "netmap:eth0@conf:rings=4,slots=512", kernelName: "eth0"),
        Accepted(text: "netmap:eth0@conf:host-rings=2", kernelName: "eth0"),
        Accepted(text: "netmap:eth0@offset=64", kernelName: "eth0"),
        Accepted(text: "netmap:eth0@extmem:file=/dev/hugepages/x,buf-num=1000", kernelName: "eth0"),
        Accepted(text: "netmap:eth0@2@conf=4", kernelName: "eth0", memoryRegion: 2),
        Accepted(text: "netmap:eth0{3", kernelName: "eth0{3"),
        Accepted(text: "netmap:eth0}3", kernelName: "eth0}3"),
        Accepted(text: "netmap:pipe0{a_1-0", kernelName: "pipe0{a_1", mode: .oneNIC),
        Accepted(text: "netmap:enp0s31f6", kernelName: "enp0s31f6"),
        Accepted(text: "netmap:br_lan", kernelName: "br_lan"),
        Accepted(text: "netmap:valve0", kernelName: "valve0", warns: true),
        Accepted(text: "vale0:p1", kernelName: "vale0:p1"),
        Accepted(text: "vale:x", kernelName: "vale:x"),
        Accepted(text: "vale0:p1{7", kernelName: "vale0:p1{7"),
        Accepted(text: "vale0:p1}7", kernelName: "vale0:p1}7"),
        Accepted(text: "vale1:a}x", kernelName: "vale1:a}x"),
        Accepted(text: "valeA_1:vm1", kernelName: "valeA_1:vm1"),
        Accepted(text: "vale0:vm1/r", kernelName: "vale0:vm1", flags: [.monitorRX]),
        Accepted(text: "vale0:vm1/tz", kernelName: "vale0:vm1", flags: [.monitorTX, .zeroCopyMonitor]),
        Accepted(text: "vale0:eth0^", kernelName: "vale0:eth0", mode: .hostRings),
        Accepted(text: "vale0:p@conf:tx-slots=256,rx-slots=128", kernelName: "vale0:p"),
        Accepted(text: "vale12345678901:p", kernelName: "vale12345678901:p", warns: true),
        Accepted(text: "vale0:abcdefghijklmno", kernelName: "vale0:abcdefghijklmno", warns: true),
        Accepted(text: "vale0:vm1234567", kernelName: "vale0:vm1234567"),
        Accepted(text: "vale0:vm12345678", kernelName: "vale0:vm12345678", warns: true),
    ]

    struct Rejected: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: String
        var testDescription: String { text }
    }

    static let rejected: [Rejected] = [
        Rejected(text: "", reason: "the name is empty"),
        Rejected(text: "eth0", reason: "prefix unknown or missing"),
        Rejected(text: "foo:eth0", reason: "prefix 'foo' unknown"),
        Rejected(text: "netmap0:eth0", reason: "nothing may follow 'netmap'"),
        Rejected(text: "netmap:", reason: "name after ':' is empty"),
        Rejected(text: "netmap:-1", reason: "name after ':' is empty"),
        Rejected(text: "valX:p", reason: "switch names must start with 'vale'"),
        Rejected(text: "val0:p", reason: "VALE_LIST cannot look it up"),
        Rejected(text: "vale0:", reason: "name after ':' is empty"),
        Rejected(text: "vale-1:p", reason: "contains '-'"),
        Rejected(text: "vale.x:p", reason: "only letters, digits and '_'"),
        Rejected(text: "vale123456789012:p", reason: "is 16 characters; at most 15"),
        Rejected(text: "vale0:abcdefghijklmnop", reason: "is 16 characters; netmap allows at most 15"),
        Rejected(text: "vale0:a:b", reason: "second ':'"),
        Rejected(text: "vale0:a b", reason: "whitespace"),
        Rejected(text: "netmap:eth0-", reason: "ring number is required"),
        Rejected(text: "netmap:eth0-x", reason: "ring number is required"),
        Rejected(text: "netmap:eth0-4095", reason: "out of range"),
        Rejected(text: "netmap:eth0^*", reason: "only one ring selector"),
        Rejected(text: "netmap:eth0*-1", reason: "only one ring selector"),
        Rejected(text: "netmap:eth0/", reason: "at least one flag"),
        Rejected(text: "netmap:eth0/q", reason: "unknown flag 'q'"),
        Rejected(text: "netmap:eth0/RT", reason: "exclude each other"),
        Rejected(text: "netmap:eth0@0", reason: "start at 1"),
        Rejected(text: "netmap:eth0@2@3", reason: "two different memory regions"),
        Rejected(text: "netmap:eth0@70000", reason: "out of range"),
        Rejected(text: "netmap:eth0@", reason: "must be followed by"),
        Rejected(text: "netmap:eth0@bogus=1", reason: "unknown option '@bogus'"),
        Rejected(text: "netmap:eth0@share", reason: "needs a value"),
        Rejected(text: "netmap:eth0@share=", reason: "has no value"),
        Rejected(text: "netmap:eth0@conf:rings", reason: "key=value pairs"),
        Rejected(text: "netmap:eth0@conf:wings=2", reason: "has no key 'wings'"),
        Rejected(text: "netmap:eth0@conf:rings=many", reason: "needs a number"),
        Rejected(text: "netmap:eth0@extmem:buf-num=10", reason: "requires 'file'"),
        Rejected(text: "netmap:eth0@conf=2@conf=3", reason: "given twice"),
        Rejected(text: "netmap:eth0{", reason: "needs an identifier"),
        Rejected(text: "netmap:eth0}", reason: "needs an identifier"),
        Rejected(text: "netmap:eth0{1}2", reason: "only one pipe end"),
        Rejected(text: "netmap:eth0{1/r", reason: "monitor cannot be opened on a pipe end"),
        Rejected(text: "netmap:averyveryverylongname", reason: "Linux allows at most 15"),
        Rejected(text: "netmap:a b", reason: "whitespace"),
        Rejected(text: "netmap:eth0^1x", reason: "unexpected 'x'"),
        Rejected(text: "vale0:p1{7x y", reason: "unexpected ' '"),
        Rejected(text: "vale0:a/r+", reason: "unknown flag '+'"),
    ]

    @Test(arguments: accepted)
    func accepts(_ expected: Accepted) throws {
        let name = try PortName.parse(expected.text)
        #expect(name.kernelName == expected.kernelName)
        #expect(name.registerMode == expected.mode)
        #expect(name.ringID == expected.ring)
        #expect(name.registerFlags == expected.flags)
        #expect(name.memoryRegion == expected.memoryRegion)
        #expect(!name.warnings.isEmpty == expected.warns, "warnings: \(name.warnings)")
        #expect(name.description == expected.text)
    }

    @Test(arguments: rejected)
    func rejects(_ expected: Rejected) {
        do {
            let name = try PortName.parse(expected.text)
            Issue.record("accepted \(expected.text) as \(name.kernelName)")
        } catch {
            #expect(error.reason.contains(expected.reason), "reason was: \(error.reason)")
            #expect(error.description == "invalid port name '\(expected.text)': \(error.reason)")
        }
    }

    @Test func atLeastSixtyNamesAreChecked() {
        #expect(Self.accepted.count + Self.rejected.count + VALEPortNameTests.names.count >= 60)
    }

    @Test func targetsPipesAndOptionsAreExposed() throws {
        let pipe = try PortName.parse("vale0:p1{7")
        #expect(pipe.target == .vale(switchName: "vale0", port: "p1"))
        #expect(pipe.pipe == .master(id: "7"))
        let share = try PortName.parse("netmap:eth0@share=netmap:vi0@conf:tx-rings=2")
        #expect(share.target == .interface("eth0"))
        #expect(share.options == [
            PortName.Option(name: "share", values: ["port": "netmap:vi0"]),
            PortName.Option(name: "conf", values: ["tx_rings": "2"]),
        ])
        let monitor = try PortName.parse("vale0:vm1/r")
        #expect(monitor.isMonitor)
        #expect(RegisterRequest(monitor).flags == [.monitorRX])
    }

    @Test func hypervisorWarningIsASentence() throws {
        let name = try PortName.parse("vale0:vm12345678")
        #expect(name.warnings == [.longerThanHypervisorBuffer(name: "vale0:vm12345678", length: 16)])
        #expect(name.warnings[0].description.contains("16-byte buffers"))
        let val = try PortName.parse("netmap:valve0")
        #expect(val.warnings == [.interfaceStartsWithVal(name: "valve0")])
    }

    @Test func nameOf63BytesIsTheLongestKernelName() throws {
        // vale0:<15> { <id> ; the pipe id pushes the kernel name to the limit.
        let id62 = String(repeating: "a", count: 63 - "vale0:p{".count)
        #expect(try PortName.parse("vale0:p{\(id62)").kernelName.utf8.count == 63)
        let error = try #require(throws: PortNameError.self) { try PortName.parse("vale0:p{\(id62)a") }
        #expect(error.reason.contains("at most 63"))
    }
}

/// Layer-1 names as the daemon sends and lists them, and interface names.
@Suite struct VALEPortNameTests {
    static let names: [(String, Bool)] = [
        ("vale0:eth0", true), ("vale0:eth0^", true), ("vale_a:vi0", true), ("vale0:br-lan", true),
        ("vi0", false), ("vale0", false), ("valX:eth0", false), ("vale0:", false), ("vale0:^", false),
        ("vale0:a^b", false), ("vale0:a/b", false), ("vale0:0123456789abcdef", false),
    ]

    @Test func parsesAndValidates() {
        for (text, ok) in Self.names {
            let parsed = try? VALEPortName(parsing: text)
            #expect((parsed != nil) == ok, "\(text)")
            if let parsed { #expect(parsed.description == text) }
        }
    }

    @Test func hostPortsAndAttachmentNames() throws {
        let host = try VALEPortName(parsing: "vale0:eth0^")
        #expect(host.isHostPort)
        #expect(host.port == "eth0")
        #expect(host.attachmentName == "vale0:eth0")
        let plain = try VALEPortName(switch: "vale0", port: "eth0")
        #expect(!plain.isHostPort)
        #expect(plain.description == "vale0:eth0")
    }

    @Test func reasonsForRefusedSwitches() {
        #expect(throws: PortNameError(input: "valX", reason: "switch names must start with 'vale': the kernel accepts 'valX' as a switch for attach but VALE_LIST cannot look it up")) {
            try VALEPortName(switch: "valX", port: "eth0")
        }
        let error = #expect(throws: PortNameError.self) { try VALEPortName(switch: "vale0123456789ab", port: "p") }
        #expect(error?.reason.contains("at most 15") == true)
    }

    @Test func hypervisorWarning() throws {
        #expect(try VALEPortName(parsing: "vale0:vm1").warnings.isEmpty)
        #expect(try VALEPortName(parsing: "vale0:vm123456789").warnings.count == 1)
    }

    @Test func newInterfaceNames() throws {
        #expect(try InterfaceName.validateNewInterface("vi0").isEmpty)
        #expect(try InterfaceName.validateNewInterface("vm-1.net").isEmpty)
        let refused: [(String, String)] = [
            ("vale1", "cannot start with 'val'"), ("valve1", "cannot start with 'val'"), ("", "cannot be empty"), ("0123456789abcdef", "at most 15"),
            ("a/b", "'/'"), ("a:b", "':'"), ("a b", "whitespace"), (".", "not a valid"), ("..", "not a valid"),
            ("vi%d", "'%'"),
        ]
        for (name, reason) in refused {
            let error = #expect(throws: PortNameError.self) { try InterfaceName.validateNewInterface(name) }
            #expect(error?.reason.contains(reason) == true, "\(name): \(String(describing: error?.reason))")
        }
    }
}

@Suite struct PollingAndListHelpersTests {
    @Test func pollingModeProblems() {
        #expect(PollingMode.singleCPU(cpu: 1).problem(cpuCount: 2, rxRings: 1) == nil)
        #expect(PollingMode.singleCPU(cpu: 2).problem(cpuCount: 2, rxRings: 1)?.contains("CPU 2 does not exist") == true)
        #expect(PollingMode.singleCPU(cpu: 0).problem(cpuCount: 1, rxRings: 1)?.contains("at least 2 CPUs") == true)
        #expect(PollingMode.multiCPU(first: 0, count: 2).problem(cpuCount: 4, rxRings: 4) == nil)
        #expect(PollingMode.multiCPU(first: 0, count: 0).problem(cpuCount: 4, rxRings: 4) != nil)
        #expect(PollingMode.multiCPU(first: 0, count: 4).problem(cpuCount: 4, rxRings: 8)?.contains("take all 4 CPUs") == true)
        #expect(PollingMode.multiCPU(first: 2, count: 2).problem(cpuCount: 8, rxRings: 3)?.contains("the NIC has 3 RX rings") == true)
        #expect(PollingMode.multiCPU(first: 6, count: 2).problem(cpuCount: 4, rxRings: 16)?.contains("do not all exist") == true)
    }

    @Test func listEntriesParse() {
        #expect(VALEListEntry(name: "vale0:eth0^", bridgeIndex: 0, portIndex: 1).portName?.attachmentName == "vale0:eth0")
        #expect(VALEListEntry(name: "vi0", bridgeIndex: 0, portIndex: 0).portName == nil)
        #expect(VALEPortName.isHostPort("vale0:eth0^"))
        #expect(!VALEPortName.isHostPort("vale0:eth0"))
    }
}

/// The rules on which valed's, valectl's and the userspace switch's own
/// copies of the grammar used to differ, each settled from NETMAP-API.md.
/// These copies are gone; NetmapKit's grammar is the only one.
@Suite struct SettledNameRulesTests {
    /// 3.7: NEWIF refuses `vale…` itself. 3.0.1 step 4 and 4.3: the kernel
    /// sends every name starting with the three characters `val` down its
    /// VALE path, so a persistent interface `valve1` (which NEWIF would
    /// create) could never be opened by its plain name, the way 3.7 and 4.6
    /// say persistent interfaces are used. valed refused `val…`, NetmapKit
    /// only `vale…`: the rule is `val`.
    @Test func persistentInterfacesCannotStartWithVal() throws {
        for name in ["vale1", "valve1", "val", "vale"] {
            let error = #expect(throws: PortNameError.self) { try InterfaceName.validateNewInterface(name) }
            #expect(error?.reason == "a persistent port name cannot start with 'val' (netmap would read it as a switch name)")
        }
        #expect(throws: Never.self) { try InterfaceName.validateNewInterface("avale0") }
        // A NIC named val… stays acceptable: it can be attached as valeX:valve1 (4.3), with a warning.
        #expect(try InterfaceName.validate("valve1") == [.interfaceStartsWithVal(name: "valve1")])
    }

    /// 3.0.1 step 3 and 4.5: a name containing `{` or `}` is a pipe of the
    /// part before it, tried before any netdev lookup, so an interface
    /// `vm{1` could never be opened. valed refused them, NetmapKit did not.
    @Test func persistentInterfacesCannotContainPipeBrackets() {
        for name in ["vm{1", "vm}1", "{", "a}"] {
            let error = #expect(throws: PortNameError.self) { try InterfaceName.validateNewInterface(name) }
            #expect(error?.reason == "a persistent port name cannot contain '{' or '}' (netmap would read it as a pipe)")
        }
    }

    /// 3.7: Linux expands `%d` in a new netdev's name, netmap keeps the
    /// literal name. Both copies refused `%`; pinned so it stays that way.
    @Test func persistentInterfacesCannotContainPercent() {
        let error = #expect(throws: PortNameError.self) { try InterfaceName.validateNewInterface("vi%d") }
        #expect(error?.reason == "a persistent port name cannot contain '%' (Linux would expand it, netmap would not)")
    }

    /// 4.3 and 3.7: netdev names follow Linux's rules. The kernel's
    /// `dev_valid_name` refuses what its Latin-1 `isspace` calls a space,
    /// byte 0xA0 included, so UTF-8 names pass or fail by their bytes (`à` is
    /// C3 A0); udev and systemd refuse every byte above 0x7E. valed refused
    /// non-ASCII, NetmapKit accepted it: the rule is printable ASCII.
    @Test func interfaceNamesArePrintableASCII() throws {
        for name in ["eth\u{E9}", "l\u{E0}n0", "eth0\u{A0}"] {
            let error = #expect(throws: PortNameError.self) { try InterfaceName.validate(name) }
            #expect(error?.reason.contains("only printable ASCII characters are allowed") == true, "\(name)")
            #expect(throws: PortNameError.self) { try InterfaceName.validateNewInterface(name) }
            #expect(throws: PortNameError.self) { try PortName.parse("netmap:\(name)") }
        }
        #expect(throws: Never.self) { try InterfaceName.validate("br-lan.10") }
    }

    /// 2.3.1 and the lengths table of 4.3: IFNAMSIZ is 16, so netdev names,
    /// switch names (`vale` included) and VALE port parts have at most 15
    /// bytes; a pipe name becomes a netdev (4.5), so it too. All copies
    /// agreed on 15; pinned at the boundary.
    @Test func fifteenBytesEverywhere() {
        let fifteen = String(repeating: "a", count: 15), sixteen = String(repeating: "a", count: 16)
        #expect(throws: Never.self) { try InterfaceName.validate(fifteen) }
        #expect(throws: PortNameError.self) { try InterfaceName.validate(sixteen) }
        #expect(throws: Never.self) { try VALESwitchName.validate("vale" + String(repeating: "x", count: 11)) }
        #expect(throws: PortNameError.self) { try VALESwitchName.validate("vale" + String(repeating: "x", count: 12)) }
        #expect(throws: Never.self) { try VALEPortName(switch: "vale0", port: fifteen) }
        #expect(throws: PortNameError.self) { try VALEPortName(switch: "vale0", port: sixteen) }
        #expect(throws: Never.self) { try PipeName.validate(fifteen) }
        #expect(PipeName.problem(with: sixteen) == "a pipe name has 1 to 15 characters")
        #expect(PipeName.problem(with: "") == "a pipe name has 1 to 15 characters")
    }

    /// 4.3: switch names start with `vale` (VALE_LIST and NEWIF compare four
    /// characters), then `[A-Za-z0-9_]`. The userspace switch accepted any
    /// 1 to 15 identifier characters (`bench`); it no longer checks names
    /// itself, valed does, with this rule.
    @Test func switchNamesStartWithVale() {
        #expect(throws: Never.self) { try VALESwitchName.validate("vale") }
        #expect(throws: Never.self) { try VALESwitchName.validate("vale_0") }
        #expect(VALESwitchName.problem(with: "bench") == "switch names must start with 'vale' (e.g. vale0)")
        #expect(VALESwitchName.problem(with: "vale-0") == "the switch name 'vale-0' contains '-'; only letters, digits and '_' are allowed")
        #expect(VALESwitchName.problem(with: "val0")?.contains("VALE_LIST cannot look it up") == true)
    }

    /// 4.5: opening `NAME{0` where NAME is no netdev and no VALE name makes
    /// the kernel create the interface NAME. 3.0.1 step 4: a `val…` NAME
    /// takes the VALE path instead. valed refused `val…` pipe names,
    /// valectl did not: the rule is valed's. Identifier characters only, so
    /// that libnetmap reads `netmap:NAME{0` the same way (4.1).
    @Test func pipeNames() {
        #expect(PipeName.problem(with: "p0") == nil)
        #expect(PipeName.problem(with: "app_pipe_15char") == nil)
        #expect(PipeName.problem(with: "valp") == "a pipe name must not start with 'val' (netmap would read it as a VALE switch)")
        for name in ["a{b", "a}b", "a-b", "p%d", "p\u{E9}", "a b"] {
            #expect(PipeName.problem(with: name) == "a pipe name has only letters, digits and _", "\(name)")
        }
    }
}
