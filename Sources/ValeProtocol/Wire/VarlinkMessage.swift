import Foundation

/// A Varlink method call, as sent by a client (https://varlink.org).
///
/// `method` is fully qualified (`io.valed.Attach`). `more` asks for a
/// stream of replies, `oneway` for no reply at all, `upgrade` for taking
/// over the connection after the reply (valed supports none of its methods
/// with `upgrade`).
public struct VarlinkCall: Sendable, Hashable, Codable {
    public var method: String
    public var parameters: JSONValue?
    public var more: Bool?
    public var oneway: Bool?
    public var upgrade: Bool?

    /// A call of `method` with untyped parameters.
    public init(method: String, parameters: JSONValue? = nil, more: Bool? = nil, oneway: Bool? = nil, upgrade: Bool? = nil) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
        self.upgrade = upgrade
    }

    /// A call of `method` whose parameters are the JSON encoding of `parameters`.
    public init(method: String, encoding parameters: some Encodable, more: Bool = false) throws {
        self.init(method: method, parameters: try JSONValue(encoding: parameters), more: more ? true : nil)
    }

    /// True when the client asked for several replies.
    public var wantsMore: Bool { more ?? false }
    /// True when the client wants no reply.
    public var isOneway: Bool { oneway ?? false }
}

/// A Varlink reply: either `parameters` (with `continues: true` while more
/// replies follow a call made with `more`) or an `error` name with the
/// error's parameters.
public struct VarlinkReply: Sendable, Hashable, Codable {
    public var parameters: JSONValue?
    public var continues: Bool?
    public var error: String?

    /// A reply with untyped parameters.
    public init(parameters: JSONValue? = nil, continues: Bool? = nil, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    /// A successful reply carrying the JSON encoding of `parameters`.
    public init(encoding parameters: some Encodable, continues: Bool = false) throws {
        self.init(parameters: try JSONValue(encoding: parameters), continues: continues ? true : nil)
    }

    /// The error reply for `error`.
    public init(error: VarlinkError) {
        self.init(parameters: .object(error.parameters), continues: nil, error: error.name)
    }

    /// True when more replies follow.
    public var hasMore: Bool { continues ?? false }

    /// The error this reply carries, or `nil` for a successful reply.
    public var varlinkError: VarlinkError? {
        guard let name = error else { return nil }
        if case .object(let members) = parameters ?? .emptyObject {
            return VarlinkError(name: name, parameters: members)
        }
        return VarlinkError(name: name, parameters: [:])
    }

    /// Decodes the parameters of a successful reply as `T`; throws the
    /// carried `VarlinkError` for an error reply.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        if let error = varlinkError { throw error }
        return try (parameters ?? .emptyObject).decode(as: T.self)
    }
}
