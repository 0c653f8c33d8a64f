import Foundation
import Testing
@testable import ValeProtocol

@Suite struct InterfaceDescriptionTests {
    private func definition() throws -> VarlinkInterfaceDefinition {
        try VarlinkInterfaceDefinition(parsing: try ValedInterface.loadDescription())
    }

    @Test func theResourceIsTheFileInTheRepository() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ValeProtocol/io.valed.varlink")
        #expect(try ValedInterface.loadDescription() == String(contentsOf: source, encoding: .utf8))
    }

    @Test func descriptionParses() throws {
        let definition = try definition()
        #expect(definition.name == "io.valed")
        #expect(definition.types.count > 10)
    }

    @Test func everySwiftMethodIsDeclaredAndNothingElse() throws {
        let declared = Set(try definition().methods.map(\.name))
        #expect(declared == Set(ValedMethod.allCases.map(\.rawValue)))
    }

    @Test func everySwiftErrorIsDeclaredAndNothingElse() throws {
        let declared = Set(try definition().errors.map { "io.valed.\($0.name)" })
        #expect(declared == Set(ValedError.all))
    }

    @Test func everyIoValedErrorCarriesAMessage() throws {
        for error in try definition().errors {
            #expect(error.fields.contains { $0.name == "message" && $0.type == .string }, "\(error.name) has no message")
        }
    }

    @Test(arguments: ValedMethod.allCases)
    func swiftTypesEncodeExactlyTheDeclaredFields(_ method: ValedMethod) throws {
        let definition = try definition()
        let declaration = try #require(definition.method(method.rawValue))
        let sample = try #require(try Samples.all()[method])
        #expect(definition.problems(of: sample.parameters, as: .structure(declaration.input)) == [])
        #expect(definition.problems(of: sample.reply, as: .structure(declaration.output)) == [])
    }

    @Test func swiftErrorConstructorsMatchTheirDeclarations() throws {
        let definition = try definition()
        let errors: [VarlinkError] = [
            .notFound(kind: "switch", name: "vale1", message: "m"), .alreadyExists(kind: "port", name: "vm1", message: "m"),
            .busy(name: "eth0", message: "m"), .invalidName("x", reason: "r", message: "m"), .invalidArgument("length", message: "m"),
            .configInvalid([ConfigProblem(file: "f", line: 1, column: 2, reason: "r")], message: "m"),
            .unsupported(feature: "pipes", message: "m"), .permissionDenied(method: "io.valed.Attach", uid: 65534, message: "m"),
            .systemError(object: "eth0", errno: 16, errnoName: "EBUSY", message: "m"), .failed("m"),
            .invalidMessage("m"), .messageTooLarge(limit: 1, message: "m"),
        ]
        #expect(Set(errors.map(\.name)) == Set(ValedError.all))
        for error in errors {
            let declaration = try #require(definition.error(String(error.name.dropFirst("io.valed.".count))))
            #expect(definition.problems(of: .object(error.parameters), as: .structure(declaration.fields)) == [], "\(error.name)")
        }
    }

    @Test func checkerFindsMissingUndeclaredAndMistypedFields() throws {
        let definition = try definition()
        let port = try #require(definition.type("Port"))
        let problems = definition.problems(of: .object([
            "switch": .string("vale0"), "name": .int(3), "kind": .string("nic"), "owner": .string("someone"), "extra": .bool(true),
        ]), as: port)
        #expect(problems.contains("state is missing"))
        #expect(problems.contains("extra is not declared"))
        #expect(problems.contains { $0.hasPrefix("name has the wrong JSON type") })
        #expect(problems.contains { $0.hasPrefix("owner is \"someone\"") })
    }

    @Test func serviceInterfaceParses() throws {
        let service = try VarlinkInterfaceDefinition(parsing: VarlinkServiceInterface.description)
        #expect(service.name == "org.varlink.service")
        #expect(Set(service.methods.map(\.name)) == Set(VarlinkServiceMethod.allCases.map(\.rawValue)))
        #expect(service.errors.count == 6)
        #expect(service.problems(of: try JSONValue(encoding: GetInfoReply.valed), as: .structure(service.method("GetInfo")!.output)) == [])
    }

    @Test(arguments: [
        ("interface io.valed\ntype A (b: C)", "undeclared type C"),
        ("interface io.valed\nmethod A() -> ()\nmethod A() -> ()", "declared twice"),
        ("interface valed\nmethod A() -> ()", "not a valid interface name"),
        ("interface io.valed\nmethod a() -> ()", "not a valid member name"),
        ("interface io.valed\ntype A (b__c: int)", "not a valid field name"),
        ("interface io.valed\ntype A (b: int, c)", "cannot be mixed"),
        ("interface io.valed\nmethod A() (b: int)", "expected \"->\""),
        ("interface io.valed\ntype A (b: [int]string)", "only string keys"),
    ])
    func parserRejects(_ text: String, _ reason: String) {
        #expect {
            try VarlinkInterfaceDefinition(parsing: text)
        } throws: { error in
            (error as? VarlinkIDLError)?.reason.contains(reason) == true
        }
    }

    @Test func parserReadsAllTypeForms() throws {
        let definition = try VarlinkInterfaceDefinition(parsing: """
            # comment
            interface org.example.more-things
            type T (a: ?int, b: []string, c: [string]float, d: (x, y), e: (f: bool), g: object, h: ?[]T)
            method M(t: T) -> ()
            error E ()
            """)
        #expect(definition.type("T") == .structure([
            .init(name: "a", type: .optional(.int)), .init(name: "b", type: .array(.string)),
            .init(name: "c", type: .dictionary(.float)), .init(name: "d", type: .enumeration(["x", "y"])),
            .init(name: "e", type: .structure([.init(name: "f", type: .bool)])), .init(name: "g", type: .object),
            .init(name: "h", type: .optional(.array(.named("T")))),
        ]))
        #expect(definition.errors.first?.fields == [])
    }
}
