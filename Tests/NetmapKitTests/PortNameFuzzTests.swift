import NetmapKit
import Testing

/// A deterministic fuzzer for the name parsers: random strings over the
/// grammar's alphabet (and some mutations of valid names) must either parse
/// into something self-consistent or be refused with a reason; never crash.
@Suite struct PortNameFuzzTests {
    /// SplitMix64: reproducible without Foundation.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("netmapvale0123_:^*-/{}@=,xztrRT. \u{7f}é".unicodeScalars.map(Character.init))
    static let seeds = ["netmap:eth0", "vale0:vm1", "netmap:eth0-1/rt@2", "vale0:p{3@conf:rings=4", "netmap:eth0@share=netmap:vi0"]

    static func randomName(_ rng: inout Generator) -> String {
        if Bool.random(using: &rng) {
            var chars = Array(seeds.randomElement(using: &rng)!)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0...chars.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: chars.insert(alphabet.randomElement(using: &rng)!, at: position)
                case 1: if position < chars.count { chars.remove(at: position) }
                default: if position < chars.count { chars[position] = alphabet.randomElement(using: &rng)! }
                }
            }
            return String(chars)
        }
        return String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    @Test func portSpecsParseConsistentlyOrGiveAReason() {
        var rng = Generator(state: 0x5EED)
        var accepted = 0, refused = 0
        for _ in 0..<20_000 {
            let text = Self.randomName(&rng)
            do {
                let name = try PortName.parse(text)
                accepted += 1
                #expect(name.kernelName.utf8.count <= 63, "\(text)")
                #expect(!name.kernelName.isEmpty, "\(text)")
                #expect(name.description == text)
                if case .vale(let sw, let port) = name.target {
                    #expect(sw.hasPrefix("vale") && sw.utf8.count <= 15 && port.utf8.count <= 15, "\(text)")
                }
                // Parsing is a function of the text.
                #expect((try? PortName.parse(text)) == name)
            } catch {
                refused += 1
                #expect(!error.reason.isEmpty, "\(text)")
                #expect(error.input == text)
            }
        }
        #expect(accepted > 500, "the fuzzer must reach the accepting paths (\(accepted))")
        #expect(refused > 500)
    }

    @Test func valePortNamesRoundTrip() {
        var rng = Generator(state: 0xCAFE)
        for _ in 0..<20_000 {
            let text = Self.randomName(&rng)
            if let name = try? VALEPortName(parsing: text) {
                #expect(name.description == text)
                #expect((try? VALEPortName(switch: name.switchName, port: name.port, hostPort: name.isHostPort)) == name)
            }
        }
    }
}
