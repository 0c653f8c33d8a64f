import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's `struct ucred` (pid, uid, gid), filled by
/// getsockopt(SOL_SOCKET, SO_PEERCRED). Glibc declares `ucred` only under
/// _GNU_SOURCE, which Swift's Glibc module does not set, so the layout is
/// declared here: three 32-bit fields, 12 bytes, as in <bits/socket.h>.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Turns a peer's `SO_PEERCRED` (`struct ucred`) into a `Caller`, adding
/// the supplementary groups the kernel does not put into `ucred`.
struct PeerAuthorizer: Sendable {
    /// Group whose members may change state besides uid 0; `nil` for none.
    let privilegedGID: UInt32?
    /// Reads the text of /proc/<pid>/status; replaced in tests.
    let readProcessStatus: @Sendable (Int32) -> String?

    init(privilegedGID: UInt32?, readProcessStatus: @escaping @Sendable (Int32) -> String? = PeerAuthorizer.procStatus) {
        self.privilegedGID = privilegedGID
        self.readProcessStatus = readProcessStatus
    }

    func caller(pid: Int32, uid: UInt32, gid: UInt32) -> Caller {
        let groups = readProcessStatus(pid).map(Self.supplementaryGroups(fromStatus:)) ?? []
        let privileged = uid == 0 || privilegedGID.map { $0 == gid || groups.contains($0) } ?? false
        return Caller(pid: pid, uid: uid, gid: gid, groups: groups, mayChangeState: privileged)
    }

    /// The ids on the `Groups:` line of /proc/<pid>/status.
    static func supplementaryGroups(fromStatus text: String) -> [UInt32] {
        for line in text.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return []
    }

    /// Reads /proc/<pid>/status. The pid comes from SO_PEERCRED at connect
    /// time; a peer that exits before this read just loses its groups.
    @Sendable static func procStatus(pid: Int32) -> String? {
        try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    }

    /// The id of group `name` (`getgrnam_r`), or `nil` when it does not exist.
    static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
