import Foundation
import Testing
import TestSupport
import ValeProtocol
import VALEKernelModel
#if canImport(Glibc)
import Glibc
#endif

/// Pipes held by a real valed-model process (netmap replaced by the
/// file-backed kernel model) and handed to real client processes over the
/// descriptor socket. The model's netmap descriptors are not kernel
/// descriptors, so valed-model hands out a socketpair standing for the two
/// ends: what crosses processes here is a real descriptor, passed with
/// SCM_RIGHTS exactly as a netmap descriptor would be.
@Suite(.serialized) struct PipeDaemonTests {
    func registered(_ d: ModelDaemon) -> [String] {
        d.kernelCalls.filter { $0.request == .register && $0.errno == 0 }.map(\.name)
    }

    func storedPipes(_ d: ModelDaemon) throws -> [String: Any] {
        try d.stored()["pipes"] as? [String: Any] ?? [:]
    }

    @Test func createdPipesAreHeldStoredAndReopenedAfterARestart() throws {
        let d = try ModelDaemon(nics: ["eth1"])
        try d.daemon.start()
        let created = try d.daemon.valectl(["pipe", "create", "p0", "--slots", "256"])
        #expect(created.succeeded, "\(created.stderr)")
        #expect(created.stdout.contains("created pipe p0"))
        #expect(registered(d) == ["p0{0", "p0}0"], "valed registers the master and the slave end")

        let list = try d.call("PipeList", EmptyParams(), as: PipeListReply.self)
        #expect(list.pipes.map(\.name) == ["p0"])
        #expect(list.pipes.first?.slots == 256)
        #expect(list.pipes.first?.holders == [])
        #expect((try storedPipes(d)["p0"] as? [String: Any])?["slots"] as? Int == 256)

        let again = try d.call("PipeCreate", PipeCreateParameters(name: "p0"), as: PipeCreateReply.self)
        #expect(!again.changed)
        #expect(again.message.contains("already exists"))

        let netdevClash = try d.daemon.valectl(["pipe", "create", "eth1"])
        #expect(!netdevClash.succeeded)
        #expect(netdevClash.stderr.contains("a network interface named eth1 exists"))
        #expect(try d.call("PipeList", EmptyParams(), as: PipeListReply.self).pipes.count == 1)

        d.daemon.stop()
        d.model.clearCallLog()
        try d.daemon.start()
        #expect(registered(d) == ["p0{0", "p0}0"], "a restart re-opens the stored pipe")
        #expect(try d.call("PipeList", EmptyParams(), as: PipeListReply.self).pipes.map(\.name) == ["p0"])

        let deleted = try d.daemon.valectl(["pipe", "delete", "p0"])
        #expect(deleted.succeeded, "\(deleted.stderr)")
        #expect(try d.call("PipeList", EmptyParams(), as: PipeListReply.self).pipes.isEmpty)
        #expect(try storedPipes(d).isEmpty)
        // Deleting it again changes nothing and is no error (as port delete).
        let deletedAgain = try d.daemon.valectl(["pipe", "delete", "p0", "--json"])
        #expect(deletedAgain.succeeded, "\(deletedAgain.stderr)")
        #expect(deletedAgain.stdout.contains("\"changed\":false") || deletedAgain.stdout.contains("\"changed\" : false"), "\(deletedAgain.stdout)")
        #expect(try storedPipes(d).isEmpty)
    }

    @Test func pipeEndsCrossProcessesAsDescriptorsOnlyForAuthorizedClients() throws {
        let d = try ModelDaemon(nics: [])
        try d.daemon.start()
        #expect(try d.daemon.valectl(["pipe", "create", "p1"]).succeeded)

        // Process 1 writes into the master end it received as fd 3 ...
        let writer = try d.daemon.valectl(["pipe", "open", "p1", "--end", "master", "--", "sh", "-c", "printf hello-through-the-pipe >&3"])
        #expect(writer.succeeded, "\(writer.stderr)")
        // ... process 2 reads it from the slave end.
        let reader = try d.daemon.valectl(["pipe", "open", "p1", "--end", "slave", "--",
                                           "sh", "-c", "dd bs=256 count=1 <&3 2>/dev/null; echo; echo \"$VALED_PIPE_PORT $VALED_PIPE_END $VALED_PIPE_FD size=$VALED_PIPE_MEMSIZE\""])
        #expect(reader.succeeded, "\(reader.stderr)")
        #expect(reader.stdout.contains("hello-through-the-pipe"))
        #expect(reader.stdout.contains("p1}0 slave 3"))
        #expect(reader.stdout.range(of: #"size=[1-9][0-9]*"#, options: .regularExpression) != nil, "the region size reaches COMMAND")

        // An unprivileged client (uid 65534, no groups) gets an error and no descriptor.
        let refused = try d.daemon.valectl(["pipe", "open", "p1", "--end", "master", "--", "sh", "-c", "echo ran"], asUser: "65534")
        #expect(!refused.succeeded)
        #expect(!refused.stdout.contains("ran"), "the command never runs without the descriptor")
        #expect(refused.stderr.contains("uid 65534"))

        // This test process takes the master end itself: a real descriptor (a socket here).
        let socket = PipeEndClient.descriptorSocket(forControlSocket: d.daemon.socketPath)
        let (fd, reply) = try PipeEndClient.open(name: "p1", end: .master, socketPath: socket)
        defer { close(fd) }
        #expect(reply.portName == "p1{0")
        #expect(reply.memorySize > 0, "the client learns the region size to map")
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        let holders = try d.call("PipeList", EmptyParams(), as: PipeListReply.self).pipes.first?.holders ?? []
        #expect(holders.contains { $0.end == .master && $0.pid == Int(getpid()) && $0.uid == 0 })
        // One living holder per end.
        let busy = try d.daemon.valectl(["pipe", "open", "p1", "--end", "master", "--", "true"])
        #expect(!busy.succeeded)
        #expect(busy.stderr.contains("pid \(getpid())"))
        // Unknown pipes are named.
        do {
            _ = try PipeEndClient.open(name: "nope", end: .slave, socketPath: socket)
            Issue.record("an unknown pipe must be refused")
        } catch let error as VarlinkError {
            #expect(error.name == ValedError.notFound)
            #expect(error.message.contains("no pipe named nope"))
        }
    }

    @Test func aSilentClientDelaysNoOneElse() throws {
        let d = try ModelDaemon(nics: [])
        try d.daemon.start()
        #expect(try d.daemon.valectl(["pipe", "create", "p2"]).succeeded)
        let socket = PipeEndClient.descriptorSocket(forControlSocket: d.daemon.socketPath)
        // Connected, sends nothing (valed would wait 5 s for it).
        let silent = try VarlinkClient(path: socket, timeout: 5)
        _ = silent
        let (fd, reply) = try PipeEndClient.open(name: "p2", end: .slave, socketPath: socket, timeout: 3)
        close(fd)
        #expect(reply.portName == "p2}0")
    }

    /// Issue 15 item 3: `--socket` before the command reaches `pipe open`
    /// too, and nothing of it leaks into the command run after `--`.
    @Test func pipeOpenHonoursASocketGivenBeforeTheCommand() throws {
        let d = try ModelDaemon(nics: [])
        try d.daemon.start()
        #expect(try d.daemon.valectl(["pipe", "create", "p3"]).succeeded)
        let result = try Shell.run(["env", "-u", "VALED_SOCKET", TestHost.executable("valectl").path, "--socket", d.daemon.socketPath,
                                    "pipe", "open", "p3", "--end", "master", "--", "sh", "-c", "echo \"$VALED_PIPE_PORT $# $*\"", "x"],
                                   check: false)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "p3{0 0", "the command got no valectl options: \(result.stdout)")
    }

    @Test func theUserspaceDatapathRefusesPipesWithAClearError() throws {
        let daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        defer { daemon.cleanUp() }
        try daemon.writeConfig("")
        try daemon.start()
        let result = try daemon.valectl(["pipe", "create", "p0"])
        #expect(!result.succeeded)
        #expect(result.stderr.contains("netmap pipes exist only on the kernel datapath"))
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath + ".fd"), "no descriptor socket without pipes")
    }
}
