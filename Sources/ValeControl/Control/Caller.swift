import Foundation
import ValeDatapath

/// Who is on the other end of a control connection, from the kernel's
/// `SO_PEERCRED` (`struct ucred`) at connect time, plus the peer's
/// supplementary groups from `/proc/<pid>/status`.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups (the `Groups:` line of /proc/<pid>/status).
    public var groups: [UInt32]
    /// True when the caller may call methods that change state: uid 0, or
    /// a member (primary or supplementary) of the privileged group.
    public var mayChangeState: Bool

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = [], mayChangeState: Bool) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.mayChangeState = mayChangeState
    }

    /// A caller with all rights, for calls valed makes to itself (config
    /// reload on SIGHUP) and for tests.
    public static let daemon = Caller(pid: getpid(), uid: 0, gid: 0, mayChangeState: true)

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}

/// A caller may receive pipe ends (the descriptor socket, PipeProviding).
extension Caller: PipeClient {}
