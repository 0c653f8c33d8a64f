#if canImport(Glibc)
import Glibc
#endif

/// connect(2) to a Unix stream socket by path, shared by the Varlink client
/// and the pipe-descriptor client.
enum UnixSocketAddress {
    /// Connects `fd` to the socket at `path` and returns connect(2)'s result
    /// (errno is set when it is -1). When `path` does not fit in `sun_path`
    /// the error says so. `fd` stays the caller's to close, in every case.
    static func connect(_ fd: Int32, to path: String) throws(VarlinkClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw .unreachable(path: path, reason: "the path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
