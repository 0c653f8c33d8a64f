/// Which end of a netmap pipe (`name{id` is the master, `name}id` the slave).
public enum PipeEnd: String, Sendable, Hashable, Codable, CaseIterable {
    case master, slave
}

/// A process holding one end of a pipe (`PipeHolder`).
public struct PipeHolder: Sendable, Hashable, Codable {
    public var end: PipeEnd
    public var pid: Int
    public var uid: Int
    /// The process's command name (/proc/PID/comm).
    public var command: String?

    public init(end: PipeEnd, pid: Int, uid: Int, command: String? = nil) {
        self.end = end
        self.pid = pid
        self.uid = uid
        self.command = command
    }
}

/// A netmap pipe pair held open by valed (`Pipe`).
public struct PipeInfo: Sendable, Hashable, Codable {
    public var name: String
    public var slots: Int
    public var holders: [PipeHolder]

    public init(name: String, slots: Int, holders: [PipeHolder] = []) {
        self.name = name
        self.slots = slots
        self.holders = holders
    }
}

/// Parameters of `io.valed.PipeCreate`.
public struct PipeCreateParameters: Sendable, Hashable, Codable {
    public var name: String
    /// Slots per ring; the parent's slot count when `nil`.
    public var slots: Int?

    public init(name: String, slots: Int? = nil) {
        self.name = name
        self.slots = slots
    }
}

/// Reply of `io.valed.PipeCreate`.
public struct PipeCreateReply: Sendable, Hashable, Codable {
    public var pipe: PipeInfo
    public var changed: Bool
    public var message: String

    public init(pipe: PipeInfo, changed: Bool, message: String) {
        self.pipe = pipe
        self.changed = changed
        self.message = message
    }
}

/// Reply of `io.valed.PipeList`.
public struct PipeListReply: Sendable, Hashable, Codable {
    public var pipes: [PipeInfo]
    public init(pipes: [PipeInfo]) { self.pipes = pipes }
}

/// Parameters of `io.valed.PipeOpen`, the one call served on the descriptor
/// socket (`<control socket>.fd`): the reply carries the pipe end's file
/// descriptor in an SCM_RIGHTS control message.
public struct PipeOpenParameters: Sendable, Hashable, Codable {
    /// The method name on the descriptor socket.
    public static let method = "io.valed.PipeOpen"
    public var name: String
    public var end: PipeEnd

    public init(name: String, end: PipeEnd) {
        self.name = name
        self.end = end
    }
}

/// Reply of `io.valed.PipeOpen` (the descriptor travels beside it).
public struct PipeOpenReply: Sendable, Hashable, Codable {
    /// The pipe's name.
    public var name: String
    public var end: PipeEnd
    /// The netmap port name the descriptor is registered to (`NAME{0` for
    /// the master, `NAME}0` for the slave).
    public var portName: String
    /// Slots per ring.
    public var slots: Int
    /// `nr_memsize` of the end's REGISTER: the bytes to mmap.
    public var memorySize: Int
    /// `nr_offset` of the end's REGISTER: where its `netmap_if` lies in the region.
    public var interfaceOffset: Int

    public init(name: String, end: PipeEnd, portName: String, slots: Int, memorySize: Int, interfaceOffset: Int) {
        self.name = name
        self.end = end
        self.portName = portName
        self.slots = slots
        self.memorySize = memorySize
        self.interfaceOffset = interfaceOffset
    }
}
