/// The version of valed and valectl, reported by `--version` and by
/// `org.varlink.service.GetInfo`.
public enum ValedVersion {
    public static let string = "0.1.0"
}
