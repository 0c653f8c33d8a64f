import Foundation
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Why the state file could not be read or written: a sentence naming the
/// file and the cause.
struct StateFileError: Error, CustomStringConvertible {
    var description: String
}

/// The state file: read once at start, replaced atomically on each change
/// (a temporary file in the same folder, fsync, rename(2) over the old one,
/// fsync of the folder). A crash at any point leaves either the old file or
/// the new one, never a mix; a leftover temporary file is ignored.
struct StateFile: Sendable {
    let path: String

    var temporaryPath: String { path + ".tmp" }

    /// The state in the file; nil when there is no file (a first start).
    /// Throws when the file exists but cannot be used: vale-switchd then
    /// refuses to start rather than forget ports it should forward.
    func load() throws(StateFileError) -> ForwarderState? {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch {
            throw StateFileError(description: "cannot read the state file \(path): \(Self.reason(error))")
        }
        let hint = "move it away to start with no switches (valed then attaches its ports again)"
        if data.isEmpty {
            throw StateFileError(description: "the state file \(path) is empty; \(hint)")
        }
        // The version first, so a newer format is reported as such and not
        // as a syntax error.
        struct Versioned: Decodable { var version: Int }
        guard let versioned = try? JSONDecoder().decode(Versioned.self, from: data) else {
            throw StateFileError(description: "the state file \(path) is not valid JSON with a version (truncated or edited?); \(hint)")
        }
        guard versioned.version == ForwarderState.currentVersion else {
            throw StateFileError(description: "the state file \(path) has format version \(versioned.version); this vale-switchd reads version \(ForwarderState.currentVersion)")
        }
        let state: ForwarderState
        do {
            state = try JSONDecoder().decode(ForwarderState.self, from: data)
        } catch {
            throw StateFileError(description: "the state file \(path) does not describe a port set (\(Self.reason(error))); \(hint)")
        }
        let problems = state.problems()
        guard problems.isEmpty else {
            throw StateFileError(description: "the state file \(path) is inconsistent: \(problems.joined(separator: "; ")); \(hint)")
        }
        return state
    }

    /// Replaces the file with `state`, atomically and durably.
    func save(_ state: ForwarderState) throws(StateFileError) {
        let encoder = VarlinkFraming.makeEncoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try encoder.encode(state)) + [0x0A]
        } catch {
            throw StateFileError(description: "cannot encode the state for \(path): \(error)")
        }
        let temporary = temporaryPath
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let error = failure("cannot fsync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        // The rename itself is durable only once the folder is synced.
        let folder = (path as NSString).deletingLastPathComponent
        let dirFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Removes the file (teardown). A missing file is fine.
    func remove() throws(StateFileError) {
        if unlink(path) != 0 && errno != ENOENT { throw failure("cannot remove \(path)") }
    }

    private func failure(_ what: String) -> StateFileError {
        StateFileError(description: "\(what): \(String(cString: strerror(errno))) (errno \(errno))")
    }

    private static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                let at = context.codingPath.map(\.stringValue).joined(separator: ".")
                return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
            case .keyNotFound(let key, let context):
                let at = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
                return "\(at) is missing"
            @unknown default:
                return "\(decoding)"
            }
        }
        return (error as NSError).localizedDescription
    }
}
