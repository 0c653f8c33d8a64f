import ValeDatapath
import ValeState
/// The stored record of pipes valed holds (`PipeRegistry` owns the open
/// descriptors; the engine owns the store, so writes never interleave with
/// the engine's own).
extension Engine: PipeRecordKeeping {
    /// Pipes recorded in the store, by name.
    public func storedPipes() -> [String: StoredPipe] { state.pipes }

    /// Records (or, with nil, forgets) a pipe and saves the store.
    public func setStoredPipe(_ name: String, _ pipe: StoredPipe?) throws {
        var next = state
        next.pipes[name] = pipe
        try store.save(next)
        state = next
    }
}
