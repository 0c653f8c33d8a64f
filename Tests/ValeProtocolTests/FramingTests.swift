import Foundation
import Testing
@testable import ValeProtocol

@Suite struct FramingTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func twoMessagesInOneRead() throws {
        var decoder = VarlinkFrameDecoder()
        decoder.append(bytes("{\"a\":1}\0{\"b\":2}\0"))
        #expect(try decoder.nextMessage() == bytes("{\"a\":1}"))
        #expect(try decoder.nextMessage() == bytes("{\"b\":2}"))
        #expect(try decoder.nextMessage() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func oneMessageSplitOverManyReads() throws {
        var decoder = VarlinkFrameDecoder()
        let message = bytes("{\"method\":\"io.valed.Status\"}")
        for byte in message {
            decoder.append([byte])
            #expect(try decoder.nextMessage() == nil)
        }
        decoder.append([0, UInt8(ascii: "{")])
        #expect(try decoder.nextMessage() == message)
        #expect(try decoder.nextMessage() == nil)
        #expect(decoder.bufferedByteCount == 1)
    }

    @Test func emptyMessageIsReturned() throws {
        var decoder = VarlinkFrameDecoder()
        decoder.append([0])
        #expect(try decoder.nextMessage() == [])
    }

    @Test func nulInsideAStringIsEscapedAndRoundTrips() throws {
        let call = VarlinkCall(method: "io.valed.ShowPort", parameters: .object(["name": .string("a\u{0}b")]))
        let framed = try VarlinkFraming.frame(call)
        #expect(framed.last == 0)
        #expect(framed.dropLast().contains(0) == false)
        #expect(String(decoding: framed.dropLast(), as: UTF8.self).contains("\\u0000"))
        var decoder = VarlinkFrameDecoder()
        decoder.append(framed)
        let message = try #require(try decoder.nextMessage())
        let decoded = try JSONDecoder().decode(VarlinkCall.self, from: Data(message))
        #expect(decoded.parameters?["name"]?.stringValue == "a\u{0}b")
    }

    @Test func messageAtTheLimitIsAccepted() throws {
        var decoder = VarlinkFrameDecoder(maximumMessageSize: 16)
        decoder.append([UInt8](repeating: UInt8(ascii: "x"), count: 16) + [0])
        #expect(try decoder.nextMessage()?.count == 16)
    }

    @Test func oversizedMessageWithoutTerminatorIsRejected() throws {
        var decoder = VarlinkFrameDecoder(maximumMessageSize: 16)
        decoder.append([UInt8](repeating: UInt8(ascii: "x"), count: 16))
        #expect(try decoder.nextMessage() == nil)
        decoder.append([UInt8(ascii: "x")])
        #expect(throws: VarlinkFramingError.messageTooLarge(limit: 16)) { try decoder.nextMessage() }
    }

    @Test func oversizedMessageWithTerminatorIsRejected() throws {
        var decoder = VarlinkFrameDecoder(maximumMessageSize: 16)
        decoder.append([UInt8](repeating: UInt8(ascii: "x"), count: 17) + [0])
        #expect(throws: VarlinkFramingError.messageTooLarge(limit: 16)) { try decoder.nextMessage() }
    }

    @Test func defaultLimitIsOneMebibyte() {
        #expect(VarlinkFraming.maximumMessageSize == 1_048_576)
        #expect(VarlinkFrameDecoder().maximumMessageSize == 1_048_576)
    }

    @Test func manyMessagesKeepTheBufferSmall() throws {
        var decoder = VarlinkFrameDecoder()
        let message = bytes(String(repeating: "y", count: 1000)) + [0]
        for _ in 0..<100 {
            decoder.append(message)
            #expect(try decoder.nextMessage()?.count == 1000)
        }
        #expect(decoder.bufferedByteCount == 0)
    }
}
