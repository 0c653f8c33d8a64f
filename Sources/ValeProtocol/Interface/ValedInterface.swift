import Foundation

/// The `io.valed` interface description: the text of `io.valed.varlink`,
/// the single source that `org.varlink.service.GetInterfaceDescription`
/// serves.
public enum ValedInterface {
    /// File name of the interface description.
    public static let fileName = "io.valed.varlink"

    /// The interface description. It is embedded in the binary (generated
    /// from io.valed.varlink by scripts/generate-interface.sh), so an
    /// installed valed needs no resource files.
    public static func loadDescription() throws -> String { text }
}
