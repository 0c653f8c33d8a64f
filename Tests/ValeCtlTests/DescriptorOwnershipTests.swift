import Foundation
import Synchronization
import Testing
import TestSupport
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A descriptor is closed exactly once. A second close(2) of a number
/// closes whatever another thread opened under it meanwhile: in valed that
/// was a socket of the control server, and SwiftNIO stops the process on
/// the EBADF that follows (seen once in the suite under load, 2026-12-03).
/// The trap: a class whose init throws after every stored property is set
/// still runs its deinit, so an init that closes on failure and a deinit
/// that closes too close twice.
@Suite struct DescriptorOwnershipTests {
    /// Another thread keeps opening /dev/null and checks, before closing
    /// it, that its descriptor is still its own, while `attempt` runs 4000
    /// times. A double close in `attempt` lands on that thread's descriptor
    /// often enough to be seen (it was: 35-49 times per run before the fix).
    /// Returns the descriptors lost and those checked.
    func otherThreadsDescriptors(surviving attempt: () -> Void) -> (stolen: Int, checked: Int) {
        let stop = Atomic<Bool>(false)
        let stolen = Atomic<Int>(0)
        let checked = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            while !stop.load(ordering: .relaxed) {
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                var st = stat()
                for _ in 0..<20 { _ = fstat(fd, &st) }
                if fstat(fd, &st) != 0 || st.st_mode & S_IFMT != S_IFCHR {
                    // Closed under us (and perhaps reused): not ours to close.
                    stolen.add(1, ordering: .relaxed)
                } else {
                    close(fd)
                }
                checked.add(1, ordering: .relaxed)
            }
        }.start()
        for _ in 0..<4000 { attempt() }
        stop.store(true, ordering: .relaxed)
        done.wait()
        return (stolen.load(ordering: .relaxed), checked.load(ordering: .relaxed))
    }

    @Test func aClientThatCannotConnectClosesItsSocketOnce() throws {
        let directory = try TemporaryDirectory(prefix: "valed-fd")
        defer { directory.remove() }
        let nobody = directory.path + "/nobody.sock"
        let (stolen, checked) = otherThreadsDescriptors {
            #expect(throws: VarlinkClientError.self) { _ = try VarlinkClient(path: nobody, timeout: 1) }
        }
        #expect(checked > 0)
        #expect(stolen == 0, "\(stolen) of \(checked) descriptors of another thread were closed by a failed connect")
    }

    /// A path too long for `sun_path` is refused before connect(2); the
    /// socket made for it is closed once.
    @Test func aPathTooLongForASocketAddressClosesTheSocketOnce() throws {
        let long = "/tmp/" + String(repeating: "v", count: 120) + ".sock"
        let (stolen, checked) = otherThreadsDescriptors {
            #expect(throws: VarlinkClientError.self) { _ = try VarlinkClient(path: long, timeout: 1) }
            #expect(throws: VarlinkClientError.self) { _ = try PipeEndClient.open(name: "p", end: .master, socketPath: long, timeout: 1) }
        }
        #expect(checked > 0)
        #expect(stolen == 0, "\(stolen) of \(checked) descriptors of another thread were closed by a refused path")
    }
}
