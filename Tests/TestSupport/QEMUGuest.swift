import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What booting a QEMU guest needs on this machine: the emulator, a Debian
/// kernel image with its modules, a static busybox and /dev/net/tun.
/// Guests run under TCG (no KVM needed), so they are slow but work anywhere.
public enum QEMUHost {
    public static let emulator = "/usr/bin/qemu-system-x86_64"
    public static let busybox = "/bin/busybox"

    /// The newest /boot/vmlinuz-* whose /lib/modules/<version> exists
    /// (the running kernel may differ: this is a container).
    public static var kernel: (image: String, version: String)? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        let versions = files.filter { $0.hasPrefix("vmlinuz-") }.map { String($0.dropFirst("vmlinuz-".count)) }
            .filter { FileManager.default.fileExists(atPath: "/lib/modules/\($0)/modules.dep") }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        return versions.last.map { ("/boot/vmlinuz-\($0)", $0) }
    }

    /// Why guests cannot boot here, or nil when they can.
    public static var unavailableReason: String? {
        let fm = FileManager.default
        if !TestHost.hasNetworkNamespaces { return "needs root and ip netns" }
        if !fm.isExecutableFile(atPath: emulator) { return "\(emulator) is missing (apt-get install qemu-system-x86)" }
        if kernel == nil { return "no /boot/vmlinuz-* with /lib/modules (apt-get install linux-image-amd64)" }
        if !fm.isExecutableFile(atPath: busybox) { return "\(busybox) is missing (apt-get install busybox-static)" }
        if !fm.fileExists(atPath: "/dev/net/tun") { return "/dev/net/tun is missing" }
        return nil
    }

    /// True when guests can boot; otherwise prints why not (for `.enabled`).
    public static func canBootGuests() -> Bool {
        guard let reason = unavailableReason else { return true }
        print("QEMU guests cannot boot here, skipping: \(reason)")
        return false
    }

    /// Builds the guests' initramfs (Tests/VM/build-initramfs.sh) into `directory`.
    public static func buildInitramfs(in directory: TemporaryDirectory) throws -> String {
        guard let kernel else { throw GuestError("no guest kernel") }
        let output = directory.path + "/initramfs.cpio"
        let script = TestHost.repositoryRoot.appendingPathComponent("Tests/VM/build-initramfs.sh").path
        try Shell.run(["bash", script, kernel.version, output])
        return output
    }
}

/// What a command run in a guest printed, and its exit status.
public struct GuestCommandResult: Sendable, CustomStringConvertible {
    public var status: Int32
    public var output: String
    public var succeeded: Bool { status == 0 }
    public var description: String { "status \(status): \(output)" }
}

/// One QEMU/TCG guest: a Debian kernel, the test initramfs and one
/// virtio-net NIC (default settings) on an existing TAP device.
///
/// The guest's console (ttyS0) goes to a file; its second serial port
/// (ttyS1) is QEMU's stdin/stdout and carries commands: `run` sends
/// "N COMMAND" and waits for "@@END N STATUS" (Tests/VM/guest-init.sh).
/// `stop()` (or deinit) kills QEMU; the guest also powers itself off after
/// `lifetime` seconds, so a crashed test runner leaves nothing running long.
public final class QEMUGuest: @unchecked Sendable {
    public let name: String
    public let address: String
    public let consolePath: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let condition = NSCondition()
    private var received = ""
    private var closed = false
    private var nextCommand = 1

    /// Starts QEMU in `namespace` (where the TAP device `tap` lives).
    /// `address` is "A.B.C.D/PREFIX"; `mac` must be unique on the switch.
    /// `deviceOptions` are appended to `-device virtio-net-pci` (tests pass none).
    public init(name: String, address: String, mac: String, tap: String, namespace: String?,
                initramfs: String, directory: TemporaryDirectory, lifetime: Int = 300,
                deviceOptions: String = "") throws {
        guard let kernel = QEMUHost.kernel else { throw GuestError("no guest kernel") }
        self.name = name
        self.address = address
        consolePath = directory.path + "/\(name)-console.log"
        signal(SIGPIPE, SIG_IGN)  // a write to a dead QEMU must fail, not kill the test runner
        let qemu = [QEMUHost.emulator, "-accel", "tcg", "-m", "256", "-smp", "1",
                    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                    "-kernel", kernel.image, "-initrd", initramfs,
                    "-append", "console=ttyS0 quiet panic=-1 vm.name=\(name) vm.ip=\(address) vm.lifetime=\(lifetime)",
                    "-serial", "file:\(consolePath)", "-serial", "stdio",
                    "-netdev", "tap,id=n0,ifname=\(tap),script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=n0,mac=\(mac)" + (deviceOptions.isEmpty ? "" : "," + deviceOptions)]
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `ip netns exec` execs QEMU, so the process id is QEMU's own.
        process.arguments = namespace.map { ["ip", "netns", "exec", $0] + qemu } ?? qemu
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let reader = Thread { [output, weak self] in
            let handle = output.fileHandleForReading
            while true {
                let data = handle.availableData
                guard let self else { return }
                self.condition.lock()
                if data.isEmpty { self.closed = true } else { self.received += String(decoding: data, as: UTF8.self) }
                self.condition.broadcast()
                self.condition.unlock()
                if data.isEmpty { return }
            }
        }
        reader.start()
    }

    public var isRunning: Bool { process.isRunning }

    /// Waits until the text from ttyS1 contains `marker`; returns that text
    /// from `start` on. Throws when QEMU exits or `timeout` passes.
    private func wait(for marker: String, from start: String.Index? = nil, timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            let from = start ?? received.startIndex
            // The marker counts once the rest of its line has arrived too.
            if let range = received.range(of: marker, range: from..<received.endIndex),
               let end = received[range.upperBound...].firstIndex(of: "\n") {
                return String(received[from..<end])
            }
            // The guest read a line it could not parse (guest-init.sh): the
            // command will never be answered, so say so now.
            if let bad = received.range(of: "@@BAD ", range: from..<received.endIndex),
               let end = received[bad.upperBound...].firstIndex(of: "\n") {
                throw GuestError("\(name): the guest read a garbled command line \"\(received[bad.upperBound..<end])\" while the host waited for \"\(marker)\"\n\(diagnosticsLocked())")
            }
            if closed { throw GuestError("\(name): QEMU exited before \"\(marker)\"\n\(diagnosticsLocked())") }
            if !condition.wait(until: deadline) {
                throw GuestError("\(name): no \"\(marker)\" within \(Int(timeout)) s\n\(diagnosticsLocked())")
            }
        }
    }

    /// Waits until the guest has booted, configured eth0 and listens for commands.
    public func waitUntilReady(timeout: TimeInterval = 150) throws {
        _ = try wait(for: "@@READY \(name)", timeout: timeout)
    }

    /// Runs `command` with the guest's sh and returns its output and status.
    /// The guest kills the command after `timeout` seconds (busybox timeout);
    /// the host gives up 30 s later.
    @discardableResult
    public func run(_ command: String, timeout: Int = 30) throws -> GuestCommandResult {
        condition.lock()
        let n = nextCommand
        nextCommand += 1
        let start = received.endIndex
        condition.unlock()
        let line = "\(n) timeout \(timeout) sh -c '\(command.replacingOccurrences(of: "'", with: "'\\''"))'\n"
        do { try input.fileHandleForWriting.write(contentsOf: Data(line.utf8)) } catch {
            throw GuestError("\(name): cannot send a command (\(error))\n\(diagnostics())")
        }
        let text = try wait(for: "@@END \(n) ", from: start, timeout: TimeInterval(timeout + 30))
        guard let begin = text.range(of: "@@BEGIN \(n)\n"), let end = text.range(of: "@@END \(n) ") else {
            throw GuestError("\(name): garbled answer to command \(n): \(text)")
        }
        let status = Int32(text[end.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        return GuestCommandResult(status: status, output: String(text[begin.upperBound..<end.lowerBound]))
    }

    /// Starts `command` in the background in the guest; its output and
    /// status go to /tmp/<job>.out and /tmp/<job>.rc for `waitForJob`.
    public func startJob(_ job: String, _ command: String) throws {
        let started = try run("( (\(command)) </dev/null >/tmp/\(job).out 2>&1; echo $? >/tmp/\(job).rc ) >/dev/null 2>&1 &")
        if !started.succeeded { throw GuestError("\(name): cannot start job \(job): \(started)") }
    }

    /// Waits up to `timeout` seconds for a job; its status and output, or
    /// nil when it is still running.
    public func waitForJob(_ job: String, timeout: Int) throws -> GuestCommandResult? {
        let r = try run("while [ ! -e /tmp/\(job).rc ]; do sleep 0.2; done; cat /tmp/\(job).out; exit $(cat /tmp/\(job).rc)",
                        timeout: max(1, timeout))
        // busybox timeout kills with SIGTERM: status 143 and no rc file yet.
        if r.status == 143, !(try run("[ -e /tmp/\(job).rc ]").succeeded) { return nil }
        return r
    }

    /// Bytes received on eth0 so far, and how many of `jobs` still run.
    public func progress(jobs: [String]) throws -> (rxBytes: Int, running: Int) {
        let checks = jobs.map { "[ -e /tmp/\($0).rc ] || echo running" }.joined(separator: "; ")
        let r = try run("cat /sys/class/net/eth0/statistics/rx_bytes; \(checks)")
        let lines = r.output.split(separator: "\n")
        return (Int(lines.first ?? "") ?? 0, lines.filter { $0 == "running" }.count)
    }

    /// The last `lines` lines of the guest's console (kernel log, init messages).
    public func consoleTail(_ lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: consolePath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The console tail and the last lines of the command channel, for failure messages.
    public func diagnostics() -> String {
        condition.lock(); defer { condition.unlock() }
        return diagnosticsLocked()
    }

    private func diagnosticsLocked() -> String {
        let channel = received.split(separator: "\n", omittingEmptySubsequences: false).suffix(15).joined(separator: "\n")
        return "--- \(name) console (tail) ---\n\(consoleTail())\n--- \(name) command channel (tail) ---\n\(channel)"
    }

    /// Kills QEMU (SIGKILL) and waits for it.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
    }

    deinit { stop() }
}

/// A guest that did not boot or answer as expected; the message carries
/// what the guest printed.
public struct GuestError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
