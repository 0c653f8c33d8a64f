import ValeProtocol

extension ControlServer {
    /// valed's version, as `io.valed.Status` reports it.
    public static var version: String { ValedVersion.string }
}
