import Foundation
import ValeProtocol

/// One connection to valed for one command.
struct Session {
    let options: GlobalOptions
    let client: VarlinkClient

    init(_ options: GlobalOptions) throws {
        self.options = options
        do {
            client = try VarlinkClient(path: options.socketPath, timeout: options.timeout)
        } catch {
            throw CtlFailure.from(error, socket: options.socketPath)
        }
    }

    /// Calls `method` and decodes its reply; errors become `CtlFailure`.
    func call<Reply: Decodable>(_ method: ValedMethod, _ parameters: some Encodable = EmptyParameters(), as: Reply.Type = Reply.self) throws -> (Reply, VarlinkReply) {
        do {
            let reply = try client.call(method.qualifiedName, parameters: try JSONValue(encoding: parameters))
            return (try reply.decode(as: Reply.self), reply)
        } catch let error as DecodingError {
            throw CtlFailure(.operationFailed, "valed answered \(method.qualifiedName) with a reply valectl does not understand (\(error)); are valed and valectl the same version?")
        } catch {
            throw CtlFailure.from(error, socket: options.socketPath)
        }
    }

    /// Calls `method` and prints the reply: its JSON with --json,
    /// otherwise what `render` returns. Returns the decoded reply.
    @discardableResult
    func run<Reply: Decodable>(_ method: ValedMethod, _ parameters: some Encodable = EmptyParameters(), as: Reply.Type = Reply.self,
                               render: (Reply) -> String) throws -> Reply {
        let (reply, raw) = try call(method, parameters, as: Reply.self)
        if options.json {
            try Output.printJSON(raw.parameters ?? .emptyObject)
        } else {
            let text = render(reply)
            if !text.isEmpty { Output.write(text.hasSuffix("\n") ? text : text + "\n") }
        }
        return reply
    }

    /// Starts a streaming call (`more: true`). Replies are read with
    /// `next()`. The timeout covers connecting and sending only: a stream
    /// may rightly be silent for a long time.
    func startStream(_ method: ValedMethod, _ parameters: some Encodable) throws {
        do {
            try client.send(VarlinkCall(method: method.qualifiedName, encoding: parameters, more: true))
        } catch {
            throw CtlFailure.from(error, socket: options.socketPath)
        }
        client.timeout = nil
    }

    /// The next reply of a stream, or `nil` when Ctrl-C interrupted the wait.
    func next<Reply: Decodable>(as: Reply.Type) throws -> (Reply, VarlinkReply)? {
        let raw: VarlinkReply
        do {
            raw = try client.receive()
        } catch VarlinkClientError.interrupted {
            return nil
        } catch {
            // valed closing a stream's connection means it stopped: exit 3,
            // so that a script following events can tell and reconnect.
            throw CtlFailure.from(error, socket: options.socketPath)
        }
        do {
            return (try raw.decode(as: Reply.self), raw)
        } catch {
            throw CtlFailure.from(error, socket: options.socketPath)
        }
    }
}
