import CKmod
import Glibc
import SystemCallSeam
import Synchronization

/// A module as libkmod resolves it from the module directory and modprobe.d.
public struct ResolvedModule: Hashable, Sendable {
    /// Canonical module name (dashes become underscores), e.g. `netmap`.
    public var name: String
    /// Absolute path of the `.ko` file; nil when the module is built into the kernel.
    public var path: String?
    /// Options from modprobe.d `options` lines (and `name.param=` on the kernel command line).
    public var configuredOptions: [ModuleOption]
    /// Modules this one needs (modules.dep), by name.
    public var dependencies: [String]
    /// `softdep ... pre:` modules to load before this one.
    public var softPre: [String]
    /// `softdep ... post:` modules to load after this one.
    public var softPost: [String]
    /// True when modules.builtin lists the module.
    public var isBuiltIn: Bool
}

/// One module insertion of a load plan: file, options, in dependency order.
public struct PlannedInsertion: Hashable, Sendable {
    /// Module name.
    public var name: String
    /// File to insert; nil for a built-in module (nothing to insert).
    public var path: String?
    /// Final option string (modprobe.d merged with the caller's options).
    public var options: String
}

/// libkmod's view of the module directory (`kmod_new`): lookups by name or
/// alias, paths, modprobe.d options, dependencies. It never inserts: the
/// supervisor performs the insertion through its seam ("libkmod resolves,
/// valed inserts").
public final class ModuleCatalog: Sendable {
    /// The libkmod context; libkmod is not thread-safe, so it sits behind a lock.
    private let context: Mutex<KmodContext>
    /// The module directory libkmod reads, e.g. `/lib/modules/6.1.0-28-amd64`.
    public let moduleDirectory: String

    /// `kmod_new(dirname, config_paths)`. nil arguments mean the system's
    /// defaults (`/lib/modules/$(uname -r)` and the modprobe.d directories);
    /// tests pass a fixture directory and fixture modprobe.d.
    public init(moduleDirectory: String? = nil, configPaths: [String]? = nil) throws(ModuleError) {
        let ctx: OpaquePointer? = Self.withCStrings(configPaths) { paths in
            moduleDirectory.map { kmod_new($0, paths) } ?? kmod_new(nil, paths)
        }
        guard let ctx else {
            throw ModuleError(.configuration, "cannot open the module directory \(moduleDirectory ?? "of the running kernel") with libkmod")
        }
        // libkmod logs every failed lookup on stderr; valed reports its own errors.
        kmod_set_log_priority(ctx, LOG_CRIT)
        self.moduleDirectory = String(cString: kmod_get_dirname(ctx))
        self.context = Mutex(KmodContext(ctx))
    }

    /// `kmod_module_new_from_lookup`: every module a name or alias resolves
    /// to (an alias may name several, as for modprobe). Empty when nothing matches.
    public func lookup(_ nameOrAlias: String) throws(ModuleError) -> [ResolvedModule] {
        let result: Result<[ResolvedModule], ModuleError> = context.withLock { box in
            do throws(ModuleError) {
                let modules = try box.lookup(nameOrAlias)
                defer { modules.forEach { kmod_module_unref($0) } }
                return .success(modules.map { box.describe($0) })
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The insertions `modprobe nameOrAlias options` would make, dependencies
    /// first (post-order over modules.dep, `softdep pre:` before and
    /// `softdep post:` after), each with its modprobe.d options; `options`
    /// apply to the module(s) the name resolves to and override modprobe.d.
    public func loadPlan(for nameOrAlias: String, options: [ModuleOption] = []) throws(ModuleError) -> [PlannedInsertion] {
        let targets = try lookup(nameOrAlias)
        guard !targets.isEmpty else {
            throw ModuleError(.notFound,
                "cannot load \(nameOrAlias): no module or alias named \(nameOrAlias) in \(moduleDirectory) (ENOENT)",
                errno: .noSuchFileOrDirectory)
        }
        var plan: [PlannedInsertion] = []
        var visiting: Set<String> = []
        var done: Set<String> = []
        for target in targets {
            try visit(target, overrides: options, isTarget: true, plan: &plan, visiting: &visiting, done: &done)
        }
        return plan
    }

    private func visit(_ module: ResolvedModule, overrides: [ModuleOption], isTarget: Bool,
                       plan: inout [PlannedInsertion], visiting: inout Set<String>, done: inout Set<String>) throws(ModuleError) {
        if done.contains(module.name) || visiting.contains(module.name) { return }
        visiting.insert(module.name)
        for pre in module.softPre {
            for dep in try lookup(pre) {
                try visit(dep, overrides: [], isTarget: false, plan: &plan, visiting: &visiting, done: &done)
            }
        }
        for name in module.dependencies {
            guard let dep = try lookup(name).first else {
                throw ModuleError(.notFound,
                    "cannot load \(module.name): its dependency \(name) is missing from \(moduleDirectory) (run depmod)",
                    errno: .noSuchFileOrDirectory)
            }
            try visit(dep, overrides: [], isTarget: false, plan: &plan, visiting: &visiting, done: &done)
        }
        let options = ModuleOption.merge(configured: module.configuredOptions, overrides: isTarget ? overrides : [])
        plan.append(PlannedInsertion(name: module.name, path: module.isBuiltIn ? nil : module.path,
                                     options: ModuleOption.render(options)))
        visiting.remove(module.name)
        done.insert(module.name)
        for post in module.softPost {
            for dep in try lookup(post) {
                try visit(dep, overrides: [], isTarget: false, plan: &plan, visiting: &visiting, done: &done)
            }
        }
    }

    private static func withCStrings<R>(_ strings: [String]?, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        guard let strings else { return body(nil) }
        let duplicated: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { duplicated.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } }
        pointers.append(nil)
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// Owns one `kmod_ctx` reference; only touched under the catalog's lock.
final class KmodContext {
    let ctx: OpaquePointer

    init(_ ctx: OpaquePointer) { self.ctx = ctx }
    deinit { kmod_unref(ctx) }

    /// Referenced `kmod_module`s for a name or alias; the caller unrefs them.
    func lookup(_ nameOrAlias: String) throws(ModuleError) -> [OpaquePointer] {
        var list: OpaquePointer?
        let rc = kmod_module_new_from_lookup(ctx, nameOrAlias, &list)
        if rc < 0 {
            throw ModuleError(.configuration, "cannot look up module \(nameOrAlias): \(Errno(rawValue: -rc).explanation)", errno: Errno(rawValue: -rc))
        }
        defer { if list != nil { kmod_module_unref_list(list) } }
        return Self.modules(in: list)
    }

    /// Referenced modules of a kmod_list (the list itself stays the caller's).
    static func modules(in list: OpaquePointer?) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var entry = list
        while let current = entry {
            if let module = kmod_module_get_module(current) { result.append(module) }
            entry = kmod_list_next(list, current)
        }
        return result
    }

    static func names(in list: OpaquePointer?) -> [String] {
        let modules = modules(in: list)
        defer { modules.forEach { kmod_module_unref($0) } }
        return modules.map { String(cString: kmod_module_get_name($0)) }
    }

    func describe(_ module: OpaquePointer) -> ResolvedModule {
        let name = String(cString: kmod_module_get_name(module))
        let path = kmod_module_get_path(module).map { String(cString: $0) }
        let options = kmod_module_get_options(module).map { ModuleOption.parse(String(cString: $0)) } ?? []
        let depList = kmod_module_get_dependencies(module)
        let dependencies = Self.names(in: depList)
        if depList != nil { kmod_module_unref_list(depList) }
        var pre: OpaquePointer?
        var post: OpaquePointer?
        var softPre: [String] = []
        var softPost: [String] = []
        if kmod_module_get_softdeps(module, &pre, &post) == 0 {
            softPre = Self.names(in: pre)
            softPost = Self.names(in: post)
            if pre != nil { kmod_module_unref_list(pre) }
            if post != nil { kmod_module_unref_list(post) }
        }
        // Only a module without a file can be built in; asking libkmod then
        // consults modules.builtin of this directory before looking at /sys.
        let builtIn = path == nil && kmod_module_get_initstate(module) == Int32(KMOD_MODULE_BUILTIN.rawValue)
        return ResolvedModule(name: name, path: path, configuredOptions: options, dependencies: dependencies,
                              softPre: softPre, softPost: softPost, isBuiltIn: builtIn)
    }
}
