import CKmod
import Glibc
import SystemCallSeam

/// The seam through which ValeModules touches the kernel: the module system
/// calls and the files under /sys and /proc. Production code uses
/// `LiveModuleSystemCalls`; unit tests substitute a recorder that asserts
/// the exact module path and option string and injects errnos.
public protocol ModuleSystemCalls: Sendable {
    /// Opens `path` read-only and inserts it: `open(2)` + `finit_module(2)`.
    /// `flags` are `MODULE_INIT_*` bits.
    func finitModule(path: String, options: String, flags: Int32) throws(Errno)

    /// Removes a loaded module: `delete_module(2)` with `O_NONBLOCK` semantics in `flags`.
    func deleteModule(name: String, flags: Int32) throws(Errno)

    /// `finit_module(-1, "", 0)`: answers which errno the kernel gives
    /// before looking at the file (ENOSYS without CONFIG_MODULES, EPERM
    /// without CAP_SYS_MODULE, EBADF when modules could be loaded).
    func probeModuleSyscall() -> Errno?

    /// Reads a whole (small) file such as `/sys/module/netmap/refcnt`.
    func readFile(_ path: String) throws(Errno) -> String

    /// Writes `contents` to an existing file such as a module parameter.
    func writeFile(_ path: String, contents: String) throws(Errno)

    /// Names in a directory (without `.` and `..`), e.g. `/sys/module/netmap/holders`.
    func listDirectory(_ path: String) throws(Errno) -> [String]

    /// `stat(2)` permission bits of `path`, or nil when it does not exist.
    func fileMode(_ path: String) -> UInt32?
}

/// `MODULE_INIT_COMPRESSED_FILE` (linux/module.h, kernel 6.4+): the kernel
/// decompresses the file itself.
public let moduleInitCompressedFile: Int32 = 4

/// The real kernel.
public struct LiveModuleSystemCalls: ModuleSystemCalls {
    /// Creates the live seam.
    public init() {}

    public func finitModule(path: String, options: String, flags: Int32) throws(Errno) {
        let fd = try retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        _ = try valueOrNegatedErrno { valed_finit_module(fd, options, flags) }.get()
    }

    public func deleteModule(name: String, flags: Int32) throws(Errno) {
        _ = try valueOrNegatedErrno { valed_delete_module(name, UInt32(bitPattern: flags)) }.get()
    }

    public func probeModuleSyscall() -> Errno? {
        let rc = valed_finit_module(-1, "", 0)
        return rc < 0 ? Errno(rawValue: -rc) : nil
    }

    public func readFile(_ path: String) throws(Errno) -> String {
        let fd = try retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try chunk.withUnsafeMutableBytes { buffer in
                valueOrErrno { read(fd, buffer.baseAddress, buffer.count) }
            }.get()
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func writeFile(_ path: String, contents: String) throws(Errno) {
        let fd = try retryingInterrupts { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        // sysfs takes a parameter in one write; a short write is an error there.
        let n = try bytes.withUnsafeBytes { buffer in
            valueOrErrno { write(fd, buffer.baseAddress, buffer.count) }
        }.get()
        if n != bytes.count { throw Errno.invalidArgument }
    }

    public func listDirectory(_ path: String) throws(Errno) -> [String] {
        guard let dir = try valueOrErrno({ opendir(path) }, failed: { $0 == nil }).get() else { throw Errno.badAddress }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func fileMode(_ path: String) -> UInt32? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode) & 0o7777
    }
}
