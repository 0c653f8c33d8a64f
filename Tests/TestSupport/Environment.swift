import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the machine running the tests can do. Tests use these in
/// `.enabled(if:)` traits with a comment that says why they skip.
public enum TestHost {
    /// Tests that create namespaces, veth pairs and TAP devices need root.
    public static var isRoot: Bool { geteuid() == 0 }

    /// True when `ip netns` works here (root and a kernel with network namespaces).
    public static var hasNetworkNamespaces: Bool {
        isRoot && FileManager.default.fileExists(atPath: "/proc/self/ns/net") && Shell.has("ip")
    }

    /// The repository root (the folder holding Package.swift).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `shared/` beside the clone (read-only in CI), or `$VALED_SHARED_DIR`.
    public static var sharedDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["VALED_SHARED_DIR"] { return URL(fileURLWithPath: dir) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The folder with the built executables (valed, valectl) of this build.
    public static var productsDirectory: URL {
        // The test bundle lives in the products folder itself.
        let bundle = Bundle.main.bundleURL
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("valed").path) { return candidate }
        }
        // swift test runs an xctest runner from .build/<triple>/debug.
        let debug = repositoryRoot.appendingPathComponent(".build/debug")
        return debug
    }

    /// Path of a built executable product such as "valed" or "valectl".
    public static func executable(_ name: String) -> URL {
        productsDirectory.appendingPathComponent(name)
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String = "valed-test") throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A name unique to this test run, at most 15 characters (IFNAMSIZ - 1),
/// so parallel tests never collide on namespaces or interfaces.
public func uniqueName(_ prefix: String) -> String {
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    return String((prefix + suffix).prefix(15))
}

/// Waits (bounded) until `condition` holds, checking every 100 ms; returns
/// whether it did. For state that settles after an event (a link, a
/// reconcile), never as a stand-in for a readiness signal.
public func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if try condition() { return true }
        usleep(100_000)
    } while Date() < deadline
    return false
}
