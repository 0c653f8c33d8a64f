/// A parsed Varlink interface description (the IDL of varlink.org):
/// used by tests to check that io.valed.varlink is well-formed and that
/// the Swift types encode exactly the fields it declares.
public struct VarlinkInterfaceDefinition: Sendable, Equatable {
    /// A field of a struct: `name: type`.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: VarlinkType
    }

    /// `method Name(input) -> (output)`.
    public struct Method: Sendable, Equatable {
        public var name: String
        public var input: [Field]
        public var output: [Field]
    }

    /// `error Name (fields)`.
    public struct ErrorDeclaration: Sendable, Equatable {
        public var name: String
        public var fields: [Field]
    }

    /// `type Name ...`.
    public struct TypeDeclaration: Sendable, Equatable {
        public var name: String
        public var type: VarlinkType
    }

    public var name: String
    public var types: [TypeDeclaration]
    public var methods: [Method]
    public var errors: [ErrorDeclaration]

    /// The method called `name`.
    public func method(_ name: String) -> Method? { methods.first { $0.name == name } }
    /// The error called `name` (unqualified).
    public func error(_ name: String) -> ErrorDeclaration? { errors.first { $0.name == name } }
    /// The type called `name`.
    public func type(_ name: String) -> VarlinkType? { types.first { $0.name == name }?.type }
}

/// A Varlink type.
public indirect enum VarlinkType: Sendable, Equatable {
    case bool, int, float, string, object
    case named(String)
    case optional(VarlinkType)
    case array(VarlinkType)
    case dictionary(VarlinkType)
    case structure([VarlinkInterfaceDefinition.Field])
    case enumeration([String])
}

/// A syntax or consistency error in an interface description.
public struct VarlinkIDLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

extension VarlinkInterfaceDefinition {
    /// Parses and checks an interface description: syntax, name rules,
    /// unique member names, and that every named type is declared.
    public init(parsing text: String) throws(VarlinkIDLError) {
        var parser = IDLParser(text: text)
        self = try parser.parseInterface()
    }

    /// Problems of `value` as a value of `type` (an empty array when it
    /// conforms): missing non-optional fields, fields the type does not
    /// declare, wrong JSON kinds, unknown enum values.
    public func problems(of value: JSONValue, as type: VarlinkType, path: String = "") -> [String] {
        let here = path.isEmpty ? "value" : path
        switch (type, value) {
        case (.optional(let inner), _):
            if case .null = value { return [] }
            return problems(of: value, as: inner, path: path)
        case (_, .null):
            return ["\(here) is null but not optional"]
        case (.bool, .bool), (.int, .int), (.float, .int), (.float, .double), (.string, .string), (.object, _):
            return []
        case (.named(let name), _):
            guard let declared = self.type(name) else { return ["\(here) has the undeclared type \(name)"] }
            return problems(of: value, as: declared, path: path)
        case (.array(let element), .array(let items)):
            return items.enumerated().flatMap { problems(of: $1, as: element, path: "\(here)[\($0)]") }
        case (.dictionary(let element), .object(let members)):
            return members.keys.sorted().flatMap { problems(of: members[$0]!, as: element, path: "\(here).\($0)") }
        case (.enumeration(let names), .string(let text)):
            return names.contains(text) ? [] : ["\(here) is \"\(text)\", not one of \(names.joined(separator: ", "))"]
        case (.structure(let fields), .object(let members)):
            var found: [String] = []
            for field in fields {
                let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                if let member = members[field.name] {
                    found += problems(of: member, as: field.type, path: fieldPath)
                } else if case .optional = field.type {
                    continue
                } else {
                    found.append("\(fieldPath) is missing")
                }
            }
            let declared = Set(fields.map(\.name))
            for key in members.keys.sorted() where !declared.contains(key) {
                found.append("\(path.isEmpty ? key : "\(path).\(key)") is not declared")
            }
            return found
        default:
            return ["\(here) has the wrong JSON type for \(type)"]
        }
    }
}

/// Recursive-descent parser for the Varlink IDL.
private struct IDLParser {
    enum Token: Equatable {
        case word(String)
        case symbol(String)
        case end
    }

    private var tokens: [(token: Token, line: Int)] = []
    private var position = 0

    init(text: String) {
        var line = 1
        var iterator = Array(text.unicodeScalars)[...]
        while let scalar = iterator.first {
            if scalar == "\n" {
                line += 1
                iterator = iterator.dropFirst()
            } else if scalar == " " || scalar == "\t" || scalar == "\r" {
                iterator = iterator.dropFirst()
            } else if scalar == "#" {
                iterator = iterator.drop { $0 != "\n" }
            } else if scalar == "-" && iterator.dropFirst().first == ">" {
                tokens.append((.symbol("->"), line))
                iterator = iterator.dropFirst(2)
            } else if "(),:?[]".unicodeScalars.contains(scalar) {
                tokens.append((.symbol(String(scalar)), line))
                iterator = iterator.dropFirst()
            } else {
                let word = iterator.prefix { Self.isWordCharacter($0) }
                if word.isEmpty {
                    tokens.append((.symbol(String(scalar)), line))
                    iterator = iterator.dropFirst()
                } else {
                    tokens.append((.word(String(String.UnicodeScalarView(word))), line))
                    iterator = iterator.dropFirst(word.count)
                }
            }
        }
        tokens.append((.end, line))
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            || scalar == "_" || scalar == "." || scalar == "-"
    }

    private var current: Token { tokens[position].token }
    private var line: Int { tokens[position].line }

    private func fail(_ reason: String) -> VarlinkIDLError { VarlinkIDLError(line: line, reason: reason) }

    private mutating func expect(_ symbol: String) throws(VarlinkIDLError) {
        guard current == .symbol(symbol) else { throw fail("expected \"\(symbol)\", found \(describe(current))") }
        position += 1
    }

    private mutating func word() throws(VarlinkIDLError) -> String {
        guard case .word(let text) = current else { throw fail("expected a name, found \(describe(current))") }
        position += 1
        return text
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let text): return "\"\(text)\""
        case .symbol(let text): return "\"\(text)\""
        case .end: return "the end of the file"
        }
    }

    mutating func parseInterface() throws(VarlinkIDLError) -> VarlinkInterfaceDefinition {
        guard try word() == "interface" else { throw fail("the description must start with \"interface\"") }
        let name = try word()
        guard Self.isInterfaceName(name) else { throw fail("\"\(name)\" is not a valid interface name") }
        var definition = VarlinkInterfaceDefinition(name: name, types: [], methods: [], errors: [])
        var memberNames: Set<String> = []
        while current != .end {
            let keyword = try word()
            let memberLine = line
            let member = try word()
            guard Self.isMemberName(member) else { throw fail("\"\(member)\" is not a valid member name") }
            guard memberNames.insert(member).inserted else {
                throw VarlinkIDLError(line: memberLine, reason: "\(member) is declared twice")
            }
            switch keyword {
            case "type":
                definition.types.append(.init(name: member, type: try parseStructOrEnum()))
            case "method":
                let input = try parseStruct()
                try expect("->")
                let output = try parseStruct()
                definition.methods.append(.init(name: member, input: input, output: output))
            case "error":
                definition.errors.append(.init(name: member, fields: try parseStruct()))
            default:
                throw fail("expected \"type\", \"method\" or \"error\", found \"\(keyword)\"")
            }
        }
        try checkReferences(definition)
        return definition
    }

    private mutating func parseStruct() throws(VarlinkIDLError) -> [VarlinkInterfaceDefinition.Field] {
        let type = try parseStructOrEnum()
        guard case .structure(let fields) = type else { throw fail("expected a struct, found an enum") }
        return fields
    }

    private mutating func parseStructOrEnum() throws(VarlinkIDLError) -> VarlinkType {
        try expect("(")
        if current == .symbol(")") {
            position += 1
            return .structure([])
        }
        var fields: [VarlinkInterfaceDefinition.Field] = []
        var enumNames: [String] = []
        var isEnum: Bool?
        while true {
            let name = try word()
            guard Self.isFieldName(name) else { throw fail("\"\(name)\" is not a valid field name") }
            let hasType = current == .symbol(":")
            if let isEnum, isEnum == hasType { throw fail("a struct and an enum cannot be mixed") }
            isEnum = !hasType
            if hasType {
                position += 1
                guard !fields.contains(where: { $0.name == name }) else { throw fail("field \(name) is declared twice") }
                fields.append(.init(name: name, type: try parseType()))
            } else {
                guard !enumNames.contains(name) else { throw fail("enum value \(name) is declared twice") }
                enumNames.append(name)
            }
            if current == .symbol(",") {
                position += 1
                continue
            }
            try expect(")")
            return isEnum == true ? .enumeration(enumNames) : .structure(fields)
        }
    }

    private mutating func parseType() throws(VarlinkIDLError) -> VarlinkType {
        if current == .symbol("?") {
            position += 1
            let inner = try parseType()
            if case .optional = inner { throw fail("a type cannot be optional twice") }
            return .optional(inner)
        }
        if current == .symbol("[") {
            position += 1
            if current == .symbol("]") {
                position += 1
                return .array(try parseType())
            }
            guard try word() == "string" else { throw fail("only string keys are allowed in a map") }
            try expect("]")
            return .dictionary(try parseType())
        }
        if current == .symbol("(") {
            return try parseStructOrEnum()
        }
        let name = try word()
        switch name {
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "string": return .string
        case "object": return .object
        default:
            guard Self.isMemberName(name) else { throw fail("\"\(name)\" is not a type") }
            return .named(name)
        }
    }

    private func checkReferences(_ definition: VarlinkInterfaceDefinition) throws(VarlinkIDLError) {
        let declared = Set(definition.types.map(\.name))
        func check(_ type: VarlinkType, in member: String) throws(VarlinkIDLError) {
            switch type {
            case .named(let name):
                guard declared.contains(name) else {
                    throw VarlinkIDLError(line: 0, reason: "\(member) uses the undeclared type \(name)")
                }
            case .optional(let inner), .array(let inner), .dictionary(let inner):
                try check(inner, in: member)
            case .structure(let fields):
                for field in fields { try check(field.type, in: member) }
            default:
                break
            }
        }
        for type in definition.types { try check(type.type, in: type.name) }
        for method in definition.methods {
            try check(.structure(method.input), in: method.name)
            try check(.structure(method.output), in: method.name)
        }
        for error in definition.errors { try check(.structure(error.fields), in: error.name) }
    }

    // Name rules from the varlink.org grammar.
    static func isInterfaceName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.enumerated().allSatisfy { index, part in
            guard let first = part.unicodeScalars.first, let last = part.unicodeScalars.last else { return false }
            let letters = CharacterClass.letters
            let alphanumerics = CharacterClass.alphanumerics
            guard index == 0 ? letters.contains(first) : alphanumerics.contains(first) else { return false }
            guard alphanumerics.contains(last) else { return false }
            return part.unicodeScalars.allSatisfy { alphanumerics.contains($0) || $0 == "-" }
        }
    }

    static func isMemberName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first >= "A" && first <= "Z" else { return false }
        return name.unicodeScalars.allSatisfy(CharacterClass.alphanumerics.contains)
    }

    static func isFieldName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, CharacterClass.letters.contains(first), scalars.last != "_" else { return false }
        for (index, scalar) in scalars.enumerated() where !CharacterClass.alphanumerics.contains(scalar) {
            guard scalar == "_", index > 0, scalars[index - 1] != "_" else { return false }
        }
        return true
    }
}

private enum CharacterClass {
    struct Set {
        let test: @Sendable (Unicode.Scalar) -> Bool
        func contains(_ scalar: Unicode.Scalar) -> Bool { test(scalar) }
    }
    static let letters = Set { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") }
    static let alphanumerics = Set { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") }
}
