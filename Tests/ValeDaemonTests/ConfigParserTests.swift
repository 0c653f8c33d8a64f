import Foundation
import Testing
import TestSupport
@testable import ValeState

private func parse(_ yaml: String) throws -> ValedConfig {
    try ConfigParser(fileName: "valed.yaml", onlineCPUs: 4).parse(yaml)
}

/// The problems of a rejected config, as "line:column: reason".
private func problems(_ yaml: String) -> [String] {
    do { _ = try parse(yaml); return [] } catch let error as ConfigError {
        return error.issues.map { "\($0.line):\($0.column): \($0.reason)" }
    } catch { return ["unexpected \(error)"] }
}

@Suite struct ConfigParserTests {
    @Test func exampleConfigParses() throws {
        let path = TestHost.repositoryRoot.appendingPathComponent("examples/valed.yaml").path
        let config = try ConfigParser.load(path: path)
        #expect(config.datapath == .auto)
        #expect(config.module.options["max_bridges"] == "8")
        #expect(config.module.parameters["bridge_batch"] == "1024")
        #expect(config.desired.attachments["vale0:eth2"]?.hostStack == true)
        #expect(config.desired.attachments["vale0:eth2"]?.nic?.features?["rx-gro"] == false)
        #expect(config.desired.persistentPorts["vm1"]?.geometry.txSlots == 1024)
        #expect(config.desired.attachments["vale0:vm1"] != nil)
        #expect(config.desired.attachments.values.allSatisfy { $0.owner == .config })
        #expect(try ConfigParser.load(path: TestHost.repositoryRoot.appendingPathComponent("examples/demo.yaml").path).desired.persistentPorts.count == 2)
    }

    @Test func emptyAndMissingFilesAreEmptyConfigs() throws {
        #expect(try parse("").desired == DesiredState())
        #expect(try ConfigParser.load(path: "/nonexistent/valed.yaml") == ValedConfig())
    }

    /// Issue 12: character devices and FIFOs were refused as root with "You
    /// don't have permission" (Foundation stats the size first).
    @Test func characterDevicesAndFIFOsAreReadLikeFiles() throws {
        #expect(try ConfigParser.load(path: "/dev/null") == ValedConfig())
        #expect(!ConfigParser.isPipe(path: "/dev/null"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-fifo-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("valed.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(ConfigParser.isPipe(path: fifo))
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            let text = "switches:\n  vale0:\n    ports:\n      - nic: eth9\n"
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        writer.start()
        let config = try ConfigParser.load(path: fifo)
        #expect(config.desired.attachments.count == 1)
    }

    @Test func unreadableFilesSayWhyWithTheErrno() throws {
        let error = #expect(throws: ConfigError.self) { try ConfigParser.load(path: "/tmp") }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("/tmp:1:1: cannot read the file: read: Is a directory (EISDIR)"), "\(message)")
    }

    @Test func theUserspaceRingSizeIsConfigurable() throws {
        #expect(try parse("").userspace.ringMiB == 16)
        #expect(try parse("userspace:\n  ring-mib: 4\n").userspace.ringMiB == 4)
        #expect(problems("userspace:\n  ring-mib: 0\n") == ["2:13: userspace.ring-mib must be between 1 and 256, not 0"])
    }

    @Test func errorsCarryLineColumnAndReason() {
        #expect(problems("datapath: fast\n") == ["1:11: datapath must be one of auto, kernel, userspace, not 'fast'"])
        #expect(problems("switchs: {}\n") == ["1:1: unknown key 'switchs' in the top level (expected datapath, module, nic, userspace, metrics, switches, ports, tunnels)"])
        #expect(problems("switches:\n  bridge0:\n    ports:\n      - nic: eth0\n") == ["2:3: switch 'bridge0': switch names must start with 'vale' (e.g. vale0)"])
        #expect(problems("switches:\n  vale0123456789012:\n    ports:\n      - nic: eth0\n")
                    == ["2:3: switch 'vale0123456789012': the switch name 'vale0123456789012' is 17 characters; at most 15 are allowed (including 'vale')"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - nic: eth0\n  vale1:\n    ports:\n      - nic: eth0\n")
                    == ["7:14: eth0 is already attached to vale0 (an interface can be on one switch)"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - port: vale9\n")
                    == ["4:15: port 'vale9': a persistent port name cannot start with 'val' (netmap would read it as a switch name)"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - port: vm1\n        tx-slots: 5000\n")
                    == ["5:19: tx-slots must be between 1 and 4096, not 5000"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - nic: eth0\n        vnet-header: 11\n")
                    == ["5:22: vnet-header must be 0, 10 or 12, not 11"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - nic: eth0\n        polling: { cpu: 3, cpus: 2 }\n")
                    == ["5:25: polling on CPUs 3…4 but this host has CPUs 0…3"])
        #expect(problems("nic:\n  promiscuous: maybe\n") == ["2:16: nic.promiscuous must be true or false, not 'maybe'"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - nic: eth0/1\n") == ["4:14: nic 'eth0/1': an interface name cannot contain '/'"])
        #expect(problems("switches:\n  vale0:\n    ports:\n      - host-stack: true\n") == ["4:9: a port of vale0 needs `nic: IFNAME` or `port: NAME`"])
        #expect(problems("switches:\n  vale0: {}\n").first?.hasPrefix("2:10: switch 'vale0' has no ports") == true)
    }

    @Test func syntaxErrorsArePositioned() {
        let found = problems("switches:\n  vale0:\n    ports: [\n")
        #expect(found.count == 1)
        #expect(found.first?.contains("YAML syntax error") == true)
        #expect(found.first?.hasPrefix("4:") == true)
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let found = problems("datapath: x\nnic:\n  offloads: 3\nswitches:\n  vale0:\n    ports:\n      - nic: a/b\n")
        #expect(found.count == 3)
        #expect(found.map { $0.split(separator: ":").first! } == ["1", "3", "7"])
    }

    @Test func tooManySwitchesAndPorts() {
        var yaml = "switches:\n"
        for i in 0..<9 { yaml += "  vale\(i):\n    ports:\n      - nic: e\(i)\n" }
        #expect(problems(yaml) == ["2:3: 9 switches configured but netmap allows 8 per network namespace (raise module option max_bridges)"])
        #expect(problems("module:\n  options:\n    max_bridges: 16\n" + yaml).isEmpty)
        var big = "switches:\n  vale0:\n    ports:\n"
        for i in 0..<127 { big += "      - nic: e\(i)\n        host-stack: true\n" }
        #expect(problems(big) == ["4:7: switch 'vale0' would need 254 port slots (127 ports, host-stack ports count twice); a VALE switch holds 252"])
    }

    @Test func nicSettingsMergeOverDefaults() throws {
        let config = try parse("nic:\n  offloads: true\nswitches:\n  vale0:\n    ports:\n      - nic: eth0\n        settings: { promiscuous: false, features: { rx-gro: true } }\n")
        let spec = try #require(config.desired.attachments["vale0:eth0"])
        let effective = (spec.nic ?? NICSettings()).merged(over: config.nicDefaults)
        #expect(effective.promiscuous == false)
        #expect(effective.offloads == true)
        #expect(effective.vlanStripping == false)
        #expect(effective.carrierTimeout == 10)
        #expect(effective.features == ["rx-gro": true])
    }

    @Test func renderedDesiredStateParsesBackToTheSameState() throws {
        let config = try ConfigParser.load(path: TestHost.repositoryRoot.appendingPathComponent("examples/valed.yaml").path)
        let text = ConfigRenderer().render(config: config, desired: config.desired)
        let back = try parse(text)
        #expect(Set(back.desired.attachments.keys) == Set(config.desired.attachments.keys))
        #expect(back.desired.persistentPorts == config.desired.persistentPorts)
        #expect(back == config, "\(text)")
    }

    /// `valectl config show > valed.yaml` keeps every setting, not only the
    /// switches: module, nic defaults, userspace, metrics, per-port settings.
    @Test func everySettingSurvivesARenderAndAParse() throws {
        let yaml = """
        datapath: userspace
        module:
          load: false
          name: netmap_lin
          options: { max_bridges: 16 }
          parameters: { bridge_batch: "a \\"quoted\\" value: with colon" }
          native-drivers: /opt/netmap drivers
        nic:
          offloads: true
          pause-frames: false
          carrier-timeout: 2.5
          features: { rx-gro: false, tx-nocache-copy: true }
        userspace:
          mac-table-size: 4096
          mac-aging: 60
          ring-mib: 8
        metrics:
          address: "[::1]:9464"
          allow-remote: true
        switches:
          vale0:
            ports:
              - nic: eth1
                host-stack: true
                polling: { cpu: 1, cpus: 2 }
                settings: { promiscuous: false, vlan-stripping: true, carrier-timeout: 0, features: { rx-gro: true } }
              - nic: eth2
        """
        let config = try parse(yaml)
        #expect(config.module.parameters["bridge_batch"] == #"a "quoted" value: with colon"#)
        let text = ConfigRenderer().render(config: config, desired: config.desired)
        let back = try parse(text)
        #expect(back == config, "\(text)")
        // Defaults are left out.
        #expect(!ConfigRenderer().render(config: ValedConfig(), desired: DesiredState()).contains("userspace:"))
        #expect(ConfigRenderer().render(config: ValedConfig(), desired: DesiredState()) == "datapath: auto\n")
    }
}
