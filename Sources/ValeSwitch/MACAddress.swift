/// A 48-bit Ethernet address kept in the low bits of a `UInt64`, in wire
/// order (first octet in the lowest byte), so it can be read from a frame
/// with two loads and used as a hash key.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The six octets in the low 48 bits, first octet lowest.
    public let rawValue: UInt64

    /// The address from its packed form.
    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    /// The address from six octets in wire order.
    public init(_ octets: [UInt8]) {
        precondition(octets.count == 6, "a MAC address has six octets")
        var value: UInt64 = 0
        for (i, octet) in octets.enumerated() { value |= UInt64(octet) << (8 * UInt64(i)) }
        rawValue = value
    }

    /// Reads the six octets at `offset` of `frame` (0 = destination, 6 = source).
    @inline(__always)
    init(frame: UnsafeRawBufferPointer, offset: Int) {
        let low = UInt64(frame.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let high = UInt64(frame.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self))
        rawValue = low | high << 32
    }

    /// The broadcast address ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)

    /// True for group addresses (the I/G bit of the first octet), broadcast included.
    public var isMulticast: Bool { rawValue & 1 != 0 }

    /// The six octets in wire order.
    public var octets: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> (8 * UInt64($0))) } }

    /// `aa:bb:cc:dd:ee:ff`.
    public var description: String {
        octets.map { let s = String($0, radix: 16); return s.count == 1 ? "0" + s : s }.joined(separator: ":")
    }
}
