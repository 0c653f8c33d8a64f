import Logging

extension Logger.Metadata {
    /// Metadata naming a port ("vale0:eth1") and its switch; the journal
    /// handler turns them into VALED_PORT= and VALED_SWITCH= fields.
    static func port(_ key: String) -> Logger.Metadata {
        guard let colon = key.firstIndex(of: ":") else { return ["port": "\(key)"] }
        return ["port": "\(key)", "switch": "\(key[..<colon])"]
    }
}
