extension KeyedDecodingContainer {
    /// Decodes an optional field that has a default: Varlink clients may
    /// omit `?bool` parameters or send `null`.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(type, forKey: key) ?? defaultValue
    }
}

/// Parameters or reply of a method that has none: `{}`.
public struct EmptyParameters: Sendable, Hashable, Codable {
    public init() {}
}

/// Reply of a method that changes state and returns nothing else:
/// `changed` is false when the request was already true (asking twice
/// succeeds and says so in `message`).
public struct ChangeReply: Sendable, Hashable, Codable {
    public var changed: Bool
    /// A sentence for people, e.g. "vale0:eth0 is already detached".
    public var message: String

    public init(changed: Bool, message: String) {
        self.changed = changed
        self.message = message
    }
}
