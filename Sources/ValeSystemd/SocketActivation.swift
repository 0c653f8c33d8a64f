import CSystemd
import Glibc

/// A socket systemd passed to valed (`valed.socket`).
public struct ActivatedSocket: Hashable, Sendable {
    /// The inherited file descriptor (3, 4, ...).
    public let fileDescriptor: Int32
    /// Its name from `FileDescriptorName=` (`LISTEN_FDNAMES`); the socket
    /// unit's name (`valed.socket`) by default, `unknown` when none was passed.
    public let name: String
}

/// Socket activation: adopting the listening sockets systemd created.
public enum SocketActivation {
    /// `sd_listen_fds_with_names(unset, &names)`: the sockets passed by
    /// systemd when `LISTEN_PID` is this process, else an empty list. The
    /// descriptors get FD_CLOEXEC; `unsetEnvironment` clears `LISTEN_*` so
    /// children do not believe the sockets are theirs.
    public static func listenFileDescriptors(unsetEnvironment: Bool = true) throws(SystemdError) -> [ActivatedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        if count < 0 { throw SystemdError.call("sd_listen_fds_with_names", returned: count) }
        defer {
            if let names {
                var index = 0
                while let name = names[index] { free(name); index += 1 }
                free(names)
            }
        }
        return (0..<Int(count)).map { index in
            let fd = SD_LISTEN_FDS_START + Int32(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            return ActivatedSocket(fileDescriptor: fd, name: name)
        }
    }

    /// `sd_is_socket_unix(fd, SOCK_STREAM, 1, path)`: true when `fd` is a
    /// listening AF_UNIX stream socket (bound to `path` when given).
    public static func isListeningUnixStreamSocket(_ fd: Int32, path: String? = nil) -> Bool {
        guard let path else { return sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 }
        return sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, path, 0) > 0
    }

    /// The control socket among the passed ones: the listening AF_UNIX
    /// stream socket bound to `path`, or the one named `name`.
    public static func controlSocket(in sockets: [ActivatedSocket], path: String = "/run/valed/valed.sock",
                                     name: String = "valed.socket") -> ActivatedSocket? {
        sockets.first { isListeningUnixStreamSocket($0.fileDescriptor, path: path) }
            ?? sockets.first { $0.name == name && isListeningUnixStreamSocket($0.fileDescriptor) }
    }
}
