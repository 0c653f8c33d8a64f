import Synchronization
import SystemCallSeam
@testable import ValeModules

/// An in-memory /sys and /proc plus a recorder of module system calls.
/// Successful insertions appear under /sys/module like the kernel's.
final class FakeModuleSystem: ModuleSystemCalls {
    enum Call: Equatable, CustomStringConvertible {
        case finit(path: String, options: String, flags: Int32)
        case delete(name: String, flags: Int32)
        case write(path: String, contents: String)
        var description: String {
            switch self {
            case .finit(let p, let o, let f): return "finit(\(p), \"\(o)\", \(f))"
            case .delete(let n, let f): return "delete(\(n), \(f))"
            case .write(let p, let c): return "write(\(p), \(c))"
            }
        }
    }

    struct State {
        var files: [String: (mode: UInt32, contents: String)] = [:]
        var directories: Set<String> = []
        var calls: [Call] = []
        var finitErrors: [String: Errno] = [:]     // by path
        var deleteErrors: [String: Errno] = [:]    // by module name
        var writeErrors: [String: Errno] = [:]
        var probe: Errno? = .badFileDescriptor
    }

    let state = Mutex(State())

    /// A kernel with module support and nothing loaded.
    init(moduleSupport: Bool = true) {
        if moduleSupport {
            addFile("/proc/modules", "")
            addFile("/proc/sys/kernel/modules_disabled", "0\n")
        } else {
            state.withLock { $0.probe = .noFunction }
        }
        addDirectory("/sys/module")
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func addFile(_ path: String, _ contents: String, mode: UInt32 = 0o644) {
        state.withLock { s in
            s.files[path] = (mode, contents)
            Self.insertParents(of: path, into: &s.directories)
        }
    }

    func addDirectory(_ path: String) {
        state.withLock { s in
            s.directories.insert(path)
            Self.insertParents(of: path, into: &s.directories)
        }
    }

    private static func insertParents(of path: String, into directories: inout Set<String>) {
        var dir = path
        while let slash = dir.lastIndex(of: "/"), slash != dir.startIndex {
            dir = String(dir[..<slash])
            directories.insert(dir)
        }
    }

    /// A loaded module as /sys/module shows it.
    func addLoadedModule(_ name: String, refcnt: Int = 0, holders: [String] = [], state initState: String = "live",
                         parameters: [String: (String, UInt32)] = [:]) {
        addFile("/sys/module/\(name)/initstate", initState + "\n", mode: 0o444)
        addFile("/sys/module/\(name)/refcnt", "\(refcnt)\n", mode: 0o444)
        addDirectory("/sys/module/\(name)/holders")
        for holder in holders { addDirectory("/sys/module/\(name)/holders/\(holder)") }
        for (param, (value, mode)) in parameters { addFile("/sys/module/\(name)/parameters/\(param)", value + "\n", mode: mode) }
    }

    func failFinit(path: String, with errno: Errno) { state.withLock { $0.finitErrors[path] = errno } }
    func failDelete(_ name: String, with errno: Errno) { state.withLock { $0.deleteErrors[name] = errno } }
    func failWrite(_ path: String, with errno: Errno) { state.withLock { $0.writeErrors[path] = errno } }

    // MARK: ModuleSystemCalls

    func finitModule(path: String, options: String, flags: Int32) throws(Errno) {
        let error: Errno? = state.withLock { s in
            s.calls.append(.finit(path: path, options: options, flags: flags))
            if s.probe == .noFunction { return .noFunction }
            return s.finitErrors[path]
        }
        if let error { throw error }
        var name = String(path.split(separator: "/").last ?? "")
        if let dot = name.firstIndex(of: ".") { name = String(name[..<dot]) }
        addLoadedModule(ModuleSupervisor.canonical(name))
    }

    func deleteModule(name: String, flags: Int32) throws(Errno) {
        let error: Errno? = state.withLock { s in
            s.calls.append(.delete(name: name, flags: flags))
            if s.probe == .noFunction { return .noFunction }
            return s.deleteErrors[name]
        }
        if let error { throw error }
        state.withLock { s in
            let prefix = "/sys/module/\(name)"
            s.files = s.files.filter { !$0.key.hasPrefix(prefix + "/") }
            s.directories = s.directories.filter { $0 != prefix && !$0.hasPrefix(prefix + "/") }
        }
    }

    func probeModuleSyscall() -> Errno? { state.withLock { $0.probe } }

    func readFile(_ path: String) throws(Errno) -> String {
        guard let file = state.withLock({ $0.files[path] }) else { throw .noSuchFileOrDirectory }
        return file.contents
    }

    func writeFile(_ path: String, contents: String) throws(Errno) {
        let error: Errno? = state.withLock { s in
            s.calls.append(.write(path: path, contents: contents))
            if let e = s.writeErrors[path] { return e }
            guard let file = s.files[path] else { return .noSuchFileOrDirectory }
            s.files[path] = (file.mode, contents + "\n")
            return nil
        }
        if let error { throw error }
    }

    func listDirectory(_ path: String) throws(Errno) -> [String] {
        try state.withLock { s throws(Errno) -> [String] in
            guard s.directories.contains(path) else { throw .noSuchFileOrDirectory }
            let prefix = path + "/"
            var names = Set<String>()
            for key in s.files.keys where key.hasPrefix(prefix) {
                names.insert(String(key.dropFirst(prefix.count).split(separator: "/")[0]))
            }
            for dir in s.directories where dir.hasPrefix(prefix) {
                names.insert(String(dir.dropFirst(prefix.count).split(separator: "/")[0]))
            }
            return names.sorted()
        }
    }

    func fileMode(_ path: String) -> UInt32? {
        state.withLock { s in
            if let f = s.files[path] { return f.mode }
            return s.directories.contains(path) ? 0o755 : nil
        }
    }
}
