import Foundation
import Testing
import TestSupport

/// valed speaking sd_notify to a stand-in NOTIFY_SOCKET (the real systemd is
/// exercised by the nspawn test): READY only after the first reconcile,
/// RELOADING with MONOTONIC_USEC on SIGHUP, the watchdog from the engine's
/// loop, STOPPING on SIGTERM.
@Suite(.serialized) struct SystemdProtocolTests {
    @Test func notifyMessagesFollowTheDaemonsLife() throws {
        let daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace", "--test-wedge-on-sigusr1"])
        defer { daemon.cleanUp() }
        let notify = try NotifySocket(path: daemon.directory.path + "/notify")
        daemon.extraEnvironment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"]
        try daemon.writeConfig("")
        try daemon.start()

        let ready = try #require(notify.wait(for: "READY=1", timeout: 10))
        #expect(ready.last?.contains("STATUS=userspace datapath") == true, "READY carries the status line: \(ready)")
        #expect(ready.last?.contains("in sync") == true, "READY comes after the first reconcile")
        #expect(notify.wait(for: "WATCHDOG=1", timeout: 3) != nil, "the engine loop pings the watchdog")

        kill(daemon.pid!, SIGHUP)
        let reload = try #require(notify.wait(for: "RELOADING=1", timeout: 5))
        #expect(reload.last?.contains("MONOTONIC_USEC=") == true)
        #expect(notify.wait(for: "READY=1", timeout: 5) != nil, "READY again after the reload")

        // A wedged engine stops the pings, so systemd would restart valed.
        #expect(notify.wait(for: "WATCHDOG=1", timeout: 3) != nil)
        kill(daemon.pid!, SIGUSR1)
        usleep(600_000)
        while notify.receive(timeout: 0.1) != nil {}   // drain what was in flight
        #expect(notify.wait(for: "WATCHDOG=1", timeout: 2.5) == nil, "no keep-alive from a stuck engine")
    }

    @Test func stoppingIsAnnouncedAndDetachesNothing() throws {
        let daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        defer { daemon.cleanUp() }
        let notify = try NotifySocket(path: daemon.directory.path + "/notify")
        daemon.extraEnvironment = ["NOTIFY_SOCKET": notify.path]
        let tap = uniqueName("vst")
        try daemon.writeConfig("ports:\n  - port: \(tap)\n")
        try daemon.start()
        defer { _ = try? Shell.run(["ip", "link", "del", tap], check: false) }
        #expect(notify.wait(for: "READY=1", timeout: 10) != nil)
        // Signals sent the moment valed is ready are honoured, not fatal.
        kill(daemon.pid!, SIGHUP)
        #expect(notify.wait(for: "RELOADING=1", timeout: 5) != nil, "a SIGHUP right after READY=1 is a reload")
        #expect(notify.wait(for: "READY=1", timeout: 5) != nil)
        daemon.stop()
        #expect(notify.wait(for: "STOPPING=1", timeout: 5) != nil)
        #expect(daemon.terminationStatus == 0, "a SIGTERM right after READY=1 is a clean stop, not a kill: \(daemon.log())")
        #expect(try Shell.run(["ip", "link", "show", tap], check: false).succeeded, "the persistent port outlives valed")
    }
}
