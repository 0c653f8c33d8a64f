import ValeState

/// Named netmap pipes held open by valed. Throws `DatapathError`.
public protocol PipeProviding: Sendable {
    /// Registers both ends of `name`; async: the pipe is recorded in the store.
    func create(name: String, slots: Int?) async throws -> PipeCreated
    func delete(name: String) async throws -> PipeDeleted
    func list() -> PipeList
    /// Re-opens the pipes recorded in the store (daemon start).
    func restore() async
    /// Closes every pipe (daemon stop; the store keeps them for the next start).
    func closeAll()
    /// A duplicate of the descriptor of `end` of pipe `name` for `client`
    /// (who closes it after sending), recording the client as its holder.
    func descriptor(name: String, end: PipeEnd, for client: some PipeClient) throws(DatapathError) -> (Int32, PipeEndOpened)
    /// Forgets a holder whose descriptor could not be delivered.
    func release(name: String, end: PipeEnd, pid: Int32)
}

/// Where the records of the pipes live: the engine, which owns the store,
/// so pipe writes never interleave with its own.
public protocol PipeRecordKeeping: Sendable {
    func storedPipes() async -> [String: StoredPipe]
    func setStoredPipe(_ name: String, _ pipe: StoredPipe?) async throws
}

/// A process asking for a pipe end (the control API's caller).
public protocol PipeClient {
    var pid: Int32 { get }
    var uid: UInt32 { get }
}

/// One end of a pipe: `NAME{0` (master) or `NAME}0` (slave).
public enum PipeEnd: String, Sendable, Hashable, CaseIterable {
    case master, slave
}

/// A process holding a pipe end.
public struct PipeHolder: Sendable, Hashable {
    public var end: PipeEnd
    public var pid: Int
    public var uid: Int
    /// /proc/PID/comm, when readable.
    public var command: String?
    public init(end: PipeEnd, pid: Int, uid: Int, command: String? = nil) {
        self.end = end; self.pid = pid; self.uid = uid; self.command = command
    }
}

/// A pipe as `valectl pipe list` shows it.
public struct PipeStatus: Sendable, Hashable {
    public var name: String
    public var slots: Int
    public var holders: [PipeHolder]
    public init(name: String, slots: Int, holders: [PipeHolder] = []) { self.name = name; self.slots = slots; self.holders = holders }
}

/// The answer to a pipe creation.
public struct PipeCreated: Sendable, Hashable {
    public var pipe: PipeStatus
    public var changed: Bool
    public var message: String
    public init(pipe: PipeStatus, changed: Bool, message: String) { self.pipe = pipe; self.changed = changed; self.message = message }
}

/// The answer to a pipe deletion.
public struct PipeDeleted: Sendable, Hashable {
    public var changed: Bool
    public var message: String
    public init(changed: Bool, message: String) { self.changed = changed; self.message = message }
}

/// Every pipe valed holds.
public struct PipeList: Sendable, Hashable {
    public var pipes: [PipeStatus]
    public init(pipes: [PipeStatus]) { self.pipes = pipes }
}

/// What a client needs besides the descriptor to use a pipe end.
public struct PipeEndOpened: Sendable, Hashable {
    public var name: String
    public var end: PipeEnd
    /// The netmap port name of the end (`NAME{0`, `NAME}0`).
    public var portName: String
    public var slots: Int
    public var memorySize: Int
    public var interfaceOffset: Int
    public init(name: String, end: PipeEnd, portName: String, slots: Int, memorySize: Int, interfaceOffset: Int) {
        self.name = name; self.end = end; self.portName = portName; self.slots = slots
        self.memorySize = memorySize; self.interfaceOffset = interfaceOffset
    }
}
