import Foundation

/// The `io.valed` interface description: the text of `io.valed.varlink`,
/// the single source that `org.varlink.service.GetInterfaceDescription`
/// serves.
public enum ValedInterface {
    /// File name of the interface description.
    public static let fileName = "io.valed.varlink"

    /// Where the file is looked for, in order: the resource bundle that
    /// SwiftPM places next to the executable (development builds and
    /// tests), then the install locations.
    public static func candidateURLs() -> [URL] {
        let bundleName = "valed_ValeProtocol.resources"
        var directories: [URL] = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            directories.append(executable.deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        for bundle in Bundle.allBundles {
            directories.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        directories += [
            URL(fileURLWithPath: "/usr/share/valed"),
            URL(fileURLWithPath: "/usr/local/share/valed"),
        ]
        return directories.map { $0.appendingPathComponent(fileName) }
    }

    /// Reads the interface description.
    /// - Throws: `VarlinkError.failed` naming every place searched.
    public static func loadDescription() throws -> String {
        let candidates = candidateURLs()
        for url in candidates where FileManager.default.isReadableFile(atPath: url.path) {
            return try String(contentsOf: url, encoding: .utf8)
        }
        throw VarlinkError.failed(
            "cannot find the interface description \(fileName); looked in "
                + candidates.map { $0.deletingLastPathComponent().path }.joined(separator: ", "))
    }
}
