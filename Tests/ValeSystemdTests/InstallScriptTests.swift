import Foundation
import Testing
import TestSupport

/// scripts/install.sh and scripts/uninstall.sh staged into a temp DESTDIR
/// with placeholder binaries (`--bin-dir`), so no release build runs and
/// nothing outside the temp directory is touched.
@Suite("install.sh and uninstall.sh into a DESTDIR")
struct InstallScriptTests {
    let repo = TestHost.repositoryRoot.path

    func placeholders(in dir: TemporaryDirectory) throws -> String {
        let bin = dir.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["valed", "valectl", "vale-switchd"] {
            try "#!/bin/sh\necho \(tool)\n".write(toFile: "\(bin)/\(tool)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(bin)/\(tool)")
        }
        return bin
    }

    func run(_ script: String, destdir: String, _ arguments: [String] = []) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env["DESTDIR"] = destdir
        return try Shell.run(["bash", "\(repo)/scripts/\(script)"] + arguments, environment: env)
    }

    func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
    }

    @Test func installsEverythingIdempotentlyAndUninstallsIt() throws {
        let scratch = try TemporaryDirectory(prefix: "valed-install")
        defer { scratch.remove() }
        let bin = try placeholders(in: scratch)
        let stage = scratch.path + "/stage"
        let first = try run("install.sh", destdir: stage, ["--bin-dir", bin])
        let expected: [(String, Int)] = [
            ("/usr/local/sbin/valed", 0o755), ("/usr/local/bin/valectl", 0o755), ("/usr/local/sbin/vale-switchd", 0o755),
            ("/usr/local/lib/systemd/system/valed.service", 0o644), ("/usr/local/lib/systemd/system/valed.socket", 0o644),
            ("/usr/local/lib/systemd/system/vale-switchd.service", 0o644),
            ("/usr/local/lib/sysusers.d/valed.conf", 0o644), ("/usr/local/lib/tmpfiles.d/valed.conf", 0o644),
            ("/etc/modprobe.d/valed-netmap.conf", 0o644), ("/usr/local/lib/modules-load.d/valed-netmap.conf", 0o644),
            ("/etc/udev/rules.d/60-valed-netmap.rules", 0o644),
        ]
        for (path, expectedMode) in expected {
            #expect(try mode(stage + path) == expectedMode, "\(path)")
        }
        #expect(try String(contentsOfFile: stage + "/usr/local/sbin/valed", encoding: .utf8) == "#!/bin/sh\necho valed\n")
        let manifest = try String(contentsOfFile: stage + "/usr/local/share/valed/install-manifest", encoding: .utf8)
        for (path, _) in expected { #expect(manifest.contains(path + "\n")) }

        // Completions and the example configuration come from other folders when present.
        let fm = FileManager.default
        let completions = [("valectl.bash", "/usr/local/share/bash-completion/completions/valectl"),
                           ("_valectl", "/usr/local/share/zsh/site-functions/_valectl"),
                           ("valectl.fish", "/usr/local/share/fish/vendor_completions.d/valectl.fish")]
        for (source, target) in completions {
            #expect(fm.fileExists(atPath: "\(repo)/completions/\(source)") == fm.fileExists(atPath: stage + target), "\(target)")
        }
        let hasExample = fm.fileExists(atPath: "\(repo)/examples/valed.yaml")
        #expect(fm.fileExists(atPath: stage + "/etc/valed/valed.yaml") == hasExample)
        if hasExample {
            // The first configuration is the demo, which works on every host.
            #expect(try String(contentsOfFile: stage + "/etc/valed/valed.yaml", encoding: .utf8)
                    == String(contentsOfFile: "\(repo)/examples/demo.yaml", encoding: .utf8))
        }

        // Again: same files, and an admin's configuration is never overwritten.
        try fm.createDirectory(atPath: stage + "/etc/valed", withIntermediateDirectories: true)
        try "switches: {}\n# mine\n".write(toFile: stage + "/etc/valed/valed.yaml", atomically: true, encoding: .utf8)
        let second = try run("install.sh", destdir: stage, ["--bin-dir", bin])
        #expect(second.stdout.components(separatedBy: "installed").last == first.stdout.components(separatedBy: "installed").last)
        #expect(try String(contentsOfFile: stage + "/usr/local/share/valed/install-manifest", encoding: .utf8) == manifest)
        #expect(try String(contentsOfFile: stage + "/etc/valed/valed.yaml", encoding: .utf8) == "switches: {}\n# mine\n")

        // Uninstall removes every installed file, keeps the configuration, and is idempotent.
        _ = try run("uninstall.sh", destdir: stage)
        for (path, _) in expected { #expect(!fm.fileExists(atPath: stage + path), "\(path) left behind") }
        #expect(!fm.fileExists(atPath: stage + "/usr/local/share/valed/install-manifest"))
        #expect(fm.fileExists(atPath: stage + "/etc/valed/valed.yaml"))
        let again = try run("uninstall.sh", destdir: stage)
        #expect(again.stdout.hasPrefix("uninstall.sh: nothing to remove"))
        _ = try run("install.sh", destdir: stage, ["--bin-dir", bin])
        // vale-switchd's state file goes with --purge: nothing comes back at its next start.
        try fm.createDirectory(atPath: stage + "/run/valed", withIntermediateDirectories: true)
        try "{}".write(toFile: stage + "/run/valed/switchd.state", atomically: true, encoding: .utf8)
        _ = try run("uninstall.sh", destdir: stage, ["--purge"])
        #expect(!fm.fileExists(atPath: stage + "/etc/valed"))
        #expect(!fm.fileExists(atPath: stage + "/run/valed/switchd.state"))
    }

    @Test func refusesEnableWhileStaging() throws {
        let scratch = try TemporaryDirectory(prefix: "valed-install")
        defer { scratch.remove() }
        var env = ProcessInfo.processInfo.environment
        env["DESTDIR"] = scratch.path
        let result = try Shell.run(["bash", "\(repo)/scripts/install.sh", "--enable", "--bin-dir", try placeholders(in: scratch)],
                                   check: false, environment: env)
        #expect(result.status == 2)
        #expect(result.stderr.contains("--enable cannot be used with DESTDIR"))
        let missing = try Shell.run(["bash", "\(repo)/scripts/install.sh", "--bin-dir", scratch.path + "/none"],
                                    check: false, environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/none/valed is missing or not executable"))
    }
}
