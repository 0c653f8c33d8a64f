/// Buffers for frames larger than a receive-ring slot (GSO super-frames of
/// up to 64 KiB), which the kernel queues on the socket instead of the ring
/// (TP_STATUS_COPY). One pool per switch, used only by its packet thread:
/// a frame read into a buffer is queued for `sendmmsg` straight from there,
/// so a buffer is handed out once per batch and the pool is reset only
/// after the batch's frames were sent. Memory is allocated on first use,
/// so a switch that never sees a super-frame never allocates it.
///
/// Not thread-safe: only the packet thread touches it.
final class LargeFrameBuffers: @unchecked Sendable {
    /// Bytes per buffer: 4 bytes of room for a VLAN tag, the virtio-net
    /// header and a 64 KiB GSO super-frame (veth's and virtio's
    /// gso_max_size) with its Ethernet header, rounded up.
    static let bufferSize = 68 * 1024
    /// Buffers per batch: the most super-frames sent by one `sendmmsg` round.
    let count: Int
    private var memory: UnsafeMutableRawPointer?
    private var used = 0

    init(count: Int = 16) { self.count = count }

    /// True when `take` has a buffer left before the next `reset`.
    var hasFree: Bool { used < count }

    /// The next free buffer (`bufferSize` bytes). Only after `hasFree`.
    func take() -> UnsafeMutableRawPointer {
        precondition(used < count, "LargeFrameBuffers: take() without a free buffer")
        if memory == nil { memory = .allocate(byteCount: count * Self.bufferSize, alignment: 64) }
        defer { used += 1 }
        return memory! + used * Self.bufferSize
    }

    /// Every buffer is free again (the frames in them were sent).
    func reset() { used = 0 }

    deinit { memory?.deallocate() }
}
