import Foundation
import ValeProtocol

/// Writes the classic pcap format (https://www.tcpdump.org/manpages/pcap-savefile.5.html)
/// with nanosecond timestamps (magic 0xa1b23c4d) and Ethernet link type,
/// which tcpdump, tshark and Wireshark read.
struct PcapWriter {
    static let snapshotLength: UInt32 = 262_144
    private let handle: FileHandle

    /// Writes the file header to `handle`.
    init(handle: FileHandle) throws {
        self.handle = handle
        var header = Data()
        Self.append(UInt32(0xa1b2_3c4d), to: &header)  // nanosecond-resolution magic
        Self.append(UInt16(2), to: &header)  // version 2.4
        Self.append(UInt16(4), to: &header)
        Self.append(Int32(0), to: &header)  // GMT offset
        Self.append(UInt32(0), to: &header)  // timestamp accuracy
        Self.append(Self.snapshotLength, to: &header)
        Self.append(UInt32(1), to: &header)  // LINKTYPE_ETHERNET
        try handle.write(contentsOf: header)
    }

    /// Appends one record.
    func write(_ frame: Frame) throws {
        var record = Data(capacity: 16 + frame.data.count)
        let captured = frame.data.prefix(Int(Self.snapshotLength))
        Self.append(UInt32(truncatingIfNeeded: frame.seconds), to: &record)
        Self.append(UInt32(truncatingIfNeeded: frame.nanoseconds), to: &record)
        Self.append(UInt32(captured.count), to: &record)
        Self.append(UInt32(max(frame.length, captured.count)), to: &record)
        record.append(captured)
        try handle.write(contentsOf: record)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}
