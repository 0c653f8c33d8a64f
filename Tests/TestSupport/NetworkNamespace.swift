import Foundation
import CLinuxSupport
#if canImport(Glibc)
import Glibc
#endif

/// A network namespace created with `ip netns add`, deleted by `delete()`.
/// Tests carry traffic only inside namespaces like these.
public final class NetworkNamespace: Sendable {
    public let name: String

    /// Creates a namespace named `uniqueName(prefix)` with loopback up.
    public init(prefix: String) throws {
        name = uniqueName(prefix)
        try Shell.run(["ip", "netns", "add", name])
        try Shell.run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    @discardableResult
    public func run(_ arguments: [String], check: Bool = true) throws -> CommandResult {
        try Shell.run(["ip", "netns", "exec", name] + arguments, check: check)
    }

    /// Creates a veth pair with `inside` in this namespace and `outside` in
    /// `peer` (nil = the namespace of the test process), both up.
    public func addVeth(inside: String, outside: String, outsideIn peer: NetworkNamespace? = nil) throws {
        var args = ["ip", "-n", name, "link", "add", inside, "type", "veth", "peer", "name", outside]
        if let peer { args += ["netns", peer.name] } else { args += ["netns", "1"] }
        try Shell.run(args)
        try Shell.run(["ip", "-n", name, "link", "set", inside, "up"])
        if let peer { try Shell.run(["ip", "-n", peer.name, "link", "set", outside, "up"]) }
        else { try Shell.run(["ip", "link", "set", outside, "up"]) }
    }

    /// Runs `body` on a dedicated thread that has entered this namespace, so
    /// in-process netlink or packet sockets opened there belong to it.
    /// The rest of the test process stays in its own namespace.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let path = "/run/netns/\(name)"
        let thread = Thread {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0, clinux_setns_net(fd) == 0 else {
                box.set(.failure(NamespaceError(message: "cannot enter \(path): \(String(cString: strerror(errno)))")))
                if fd >= 0 { close(fd) }
                return
            }
            close(fd)
            box.set(Result { try body() })
        }
        thread.start()
        return try box.wait().get()
    }

    /// Deletes the namespace (and every interface still inside it).
    public func delete() {
        _ = try? Shell.run(["ip", "netns", "delete", name], check: false)
    }
}

public struct NamespaceError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Hands one result from a worker thread to the waiting test.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<T, Error>?

    func set(_ value: Result<T, Error>) {
        condition.lock(); result = value; condition.signal(); condition.unlock()
    }

    func wait() -> Result<T, Error> {
        condition.lock(); defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
