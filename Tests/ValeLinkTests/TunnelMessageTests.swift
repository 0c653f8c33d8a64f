import Foundation
import Testing
import CNetlink
import CLinuxUAPI
@testable import ValeLink
import NetAddress

/// The bytes of the tunnel requests, read back from the `nl_msg` libnl
/// built: the flags and attributes the kernel needs, and the two traps
/// (NLM_F_CREATE with NLM_F_APPEND; NDA_DST on an AF_BRIDGE object).
struct TunnelMessageTests {
    private struct Parsed {
        var type: UInt16
        var flags: UInt16
        var body: [UInt8]
        /// Top-level attributes after a fixed header of `headerSize` bytes.
        var attributes: [Int32: [UInt8]]
    }

    private func parse(_ message: OpaquePointer, headerSize: Int) -> Parsed {
        defer { nlmsg_free(message) }
        let header = nlmsg_hdr(message)!
        let body = Array(UnsafeRawBufferPointer(start: nlmsg_data(header), count: headerSize))
        var attributes: [Int32: [UInt8]] = [:]
        for (type, attribute) in NetlinkAttributes(head: nlmsg_attrdata(header, Int32(headerSize)),
                                                   length: nlmsg_attrlen(header, Int32(headerSize))).entries {
            attributes[type] = Array(UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute))))
        }
        return Parsed(type: header.pointee.nlmsg_type, flags: header.pointee.nlmsg_flags, body: body, attributes: attributes)
    }

    /// Nested attributes inside an attribute's payload.
    private func nested(_ bytes: [UInt8]) -> [Int32: [UInt8]] {
        var result: [Int32: [UInt8]] = [:]
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
            let type = Int32(UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & 0x3fff
            guard length >= 4, offset + length <= bytes.count else { break }
            result[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += (length + 3) & ~3
        }
        return result
    }

    @Test func appendingARemoteIsACreatingAppendOfTheZeroMACWithItsDestination() throws {
        let message = try TunnelMessages.defaultFDB(ifindex: 9, destination: try #require(IPAddress("192.0.2.2")), add: true)
        let parsed = parse(message, headerSize: MemoryLayout<ndmsg>.size)
        #expect(parsed.type == UInt16(RTM_NEWNEIGH))
        // Without NLM_F_CREATE the kernel answers ENOENT for a new entry.
        #expect(parsed.flags & UInt16(NLM_F_CREATE) != 0)
        #expect(parsed.flags & UInt16(NLM_F_APPEND) != 0)
        let header = parsed.body.withUnsafeBytes { $0.loadUnaligned(as: ndmsg.self) }
        #expect(header.ndm_family == UInt8(AF_BRIDGE))
        #expect(header.ndm_ifindex == 9)
        #expect(header.ndm_flags == UInt8(NTF_SELF))
        #expect(header.ndm_state == UInt16(NUD_NOARP | NUD_PERMANENT))
        #expect(parsed.attributes[Int32(NDA_LLADDR)] == [0, 0, 0, 0, 0, 0])
        // libnl refuses a destination of another family than the object's.
        #expect(parsed.attributes[Int32(NDA_DST)] == [192, 0, 2, 2])
    }

    @Test func removingARemoteNamesTheSameEntry() throws {
        let message = try TunnelMessages.defaultFDB(ifindex: 9, destination: try #require(IPAddress("2001:db8::2")), add: false)
        let parsed = parse(message, headerSize: MemoryLayout<ndmsg>.size)
        #expect(parsed.type == UInt16(RTM_DELNEIGH))
        #expect(parsed.attributes[Int32(NDA_DST)]?.count == 16)
        #expect(parsed.attributes[Int32(NDA_LLADDR)] == [0, 0, 0, 0, 0, 0])
    }

    @Test func aVXLANDeviceCarriesItsVNIPortUnderlayAndMTU() throws {
        let request = TunnelLinkRequest(name: "vx0", kind: .vxlan, vni: 42, port: 4789, local: "192.0.2.1",
                                        underlayIndex: 3, mtu: 1450)
        let parsed = parse(try TunnelMessages.createLink(request), headerSize: MemoryLayout<ifinfomsg>.size)
        #expect(parsed.type == UInt16(RTM_NEWLINK))
        #expect(parsed.flags & UInt16(NLM_F_CREATE | NLM_F_EXCL) == UInt16(NLM_F_CREATE | NLM_F_EXCL))
        let header = parsed.body.withUnsafeBytes { $0.loadUnaligned(as: ifinfomsg.self) }
        #expect(header.ifi_flags & 1 == 1, "created up")
        #expect(parsed.attributes[Int32(IFLA_IFNAME)].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } == "vx0")
        #expect(parsed.attributes[Int32(IFLA_MTU)] == [0xaa, 0x05, 0, 0])
        let info = nested(try #require(parsed.attributes[Int32(IFLA_LINKINFO)]))
        #expect(info[Int32(IFLA_INFO_KIND)].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } == "vxlan")
        let data = nested(try #require(info[Int32(IFLA_INFO_DATA)]))
        #expect(data[Int32(IFLA_VXLAN_ID)] == [42, 0, 0, 0])
        // libnl 3.7 writes the port as a u32 with the be16 in its first two
        // bytes; the kernel reads those two (nla_get_be16).
        #expect(data[Int32(IFLA_VXLAN_PORT)]?.prefix(2) == [0x12, 0xb5], "4789 in network order")
        #expect(data[Int32(IFLA_VXLAN_LINK)] == [3, 0, 0, 0])
        #expect(data[Int32(IFLA_VXLAN_LOCAL)] == [192, 0, 2, 1])
        #expect(data[Int32(IFLA_VXLAN_GROUP)] == nil, "remotes are FDB entries, not a group")
    }

    @Test func aVXLANDeviceOverIPv6WithoutALocalAddressIsMadeIPv6() throws {
        let request = TunnelLinkRequest(name: "vx6", kind: .vxlan, vni: 1, port: 4789, overIPv6: true)
        let parsed = parse(try TunnelMessages.createLink(request), headerSize: MemoryLayout<ifinfomsg>.size)
        let info = nested(try #require(parsed.attributes[Int32(IFLA_LINKINFO)]))
        let data = nested(try #require(info[Int32(IFLA_INFO_DATA)]))
        // The kernel fixes the family at creation; "::" keeps any source address.
        #expect(data[Int32(IFLA_VXLAN_LOCAL6)] == [UInt8](repeating: 0, count: 16))
        #expect(data[Int32(IFLA_VXLAN_LOCAL)] == nil)
    }

    @Test func addressesAreCanonicalAndClassified() throws {
        #expect(IPAddress("2001:db8:0::1")?.description == "2001:db8::1")
        #expect(IPAddress("239.1.1.1")?.isMulticast == true)
        #expect(IPAddress("ff02::1")?.isMulticast == true)
        #expect(IPAddress("::")?.isUnspecified == true)
        #expect(IPAddress("192.0.2.256") == nil)
        #expect(IPAddress("eth0") == nil)
    }
}
