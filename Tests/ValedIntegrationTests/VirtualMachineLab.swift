import Foundation
import TestSupport

/// Two QEMU/TCG guests with default virtio-net settings on TAP ports of a
/// real valed (userspace datapath), and a network namespace on a veth
/// attached to the same switch:
///
///     vm1 10.88.0.1 ─ TAP vm1 ┐
///     vm2 10.88.0.2 ─ TAP vm2 ┼ vale0 (valed in namespace `hub`)
///     ns  10.88.0.3 ─ veth    ┘ (switch side: tx checksumming off)
///
/// valed, QEMU and the TAP devices live in `hub`; nothing touches the
/// machine's own network. See docs/testing-vms.md.
final class VirtualMachineLab {
    static let bytes = 20 << 20
    let hub: NetworkNamespace
    let ns: NetworkNamespace
    let daemon: DaemonProcess
    let directory: TemporaryDirectory
    let hubVeth: String
    var guests: [QEMUGuest] = []
    var helpers: [NamespaceHelper] = []

    init() throws {
        hub = try NetworkNamespace(prefix: "vmh")
        ns = try NetworkNamespace(prefix: "vmn")
        directory = try TemporaryDirectory(prefix: "valed-vm")
        daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        daemon.namespace = hub.name
        hubVeth = "h" + String(ns.name.suffix(6))
        try ns.addVeth(inside: "vc", outside: hubVeth, outsideIn: hub)
        try ns.run(["ip", "addr", "add", "10.88.0.3/24", "dev", "vc"])
        try daemon.writeConfig("")
    }

    /// Starts valed, creates the switch's ports and boots both guests.
    func start(deviceOptions: String = "") throws {
        try daemon.start()
        for port in ["vm1", "vm2"] {
            let r = try daemon.valectl(["port", "create", port, "--switch", "vale0"])
            guard r.succeeded else { throw GuestError("port create \(port): \(r.stderr)\n\(daemon.log())") }
        }
        let attach = try daemon.valectl(["attach", "vale0:\(hubVeth)"])
        guard attach.succeeded else { throw GuestError("attach \(hubVeth): \(attach.stderr)") }
        // Frames the switch sends to the namespace must then carry a complete
        // checksum: the kernel finishes any partial one in software, and the
        // namespace verifies it (a wrong one counts in Udp InCsumErrors).
        try hub.run(["ethtool", "-K", hubVeth, "tx", "off"])
        let initramfs = try QEMUHost.buildInitramfs(in: directory)
        for (i, name) in ["vm1", "vm2"].enumerated() {
            guests.append(try QEMUGuest(name: name, address: "10.88.0.\(i + 1)/24", mac: "52:54:00:88:00:0\(i + 1)",
                                        tap: name, namespace: hub.name, initramfs: initramfs,
                                        directory: directory, deviceOptions: deviceOptions))
        }
        for guest in guests { try guest.waitUntilReady() }
    }

    /// Runs netcheck.py (Tests/VM) in the namespace.
    func helper(_ arguments: [String]) throws -> NamespaceHelper {
        let script = TestHost.repositoryRoot.appendingPathComponent("Tests/VM/netcheck.py").path
        let h = try NamespaceHelper(["ip", "netns", "exec", ns.name, "python3", script] + arguments, directory: directory)
        helpers.append(h)
        return h
    }

    /// `Udp: InCsumErrors` of the namespace's /proc/net/snmp.
    func udpChecksumErrors() throws -> Int {
        let snmp = try ns.run(["cat", "/proc/net/snmp"]).stdout.split(separator: "\n").filter { $0.hasPrefix("Udp: ") }
        guard snmp.count == 2, let i = snmp[0].split(separator: " ").firstIndex(of: "InCsumErrors") else { return -1 }
        return Int(snmp[1].split(separator: " ")[i]) ?? -1
    }

    /// Everything that helps explain a failure.
    func diagnostics() -> String {
        guests.map { $0.diagnostics() }.joined(separator: "\n") + "\n--- valed log (tail) ---\n"
            + daemon.log().split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    deinit {
        for guest in guests { guest.stop() }
        for h in helpers { h.stop() }
        daemon.cleanUp()
        hub.delete()
        ns.delete()
        directory.remove()
    }
}

/// A netcheck.py process in the namespace; its output goes to a file.
final class NamespaceHelper {
    private let process = Process()
    private let outputPath: String

    init(_ arguments: [String], directory: TemporaryDirectory) throws {
        outputPath = directory.path + "/helper-\(UUID().uuidString.prefix(8)).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = out
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool { process.isRunning }

    /// Waits (bounded) until the helper printed `line` (or a line starting so).
    func waitFor(_ line: String, prefix: Bool = false, timeout: TimeInterval = 30) -> Bool {
        func printed() -> Bool { output.split(separator: "\n").contains { prefix ? $0.hasPrefix(line) : $0 == line } }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if printed() { return true }
            if !process.isRunning { return printed() }
            usleep(100_000)
        }
        return false
    }

    /// Waits (bounded) for the helper to exit, killing it at the deadline;
    /// returns its last line ("tcp BYTES SHA256", "udp DATAGRAMS BYTES").
    func result(by deadline: Date) -> String {
        while process.isRunning && Date() < deadline { usleep(100_000) }
        let finished = !process.isRunning
        stop()
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        return finished ? last : "killed unfinished at the deadline (last line: \(last))"
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
