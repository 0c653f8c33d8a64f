import CNetlink
import CNetlinkGenl
import CLinuxUAPI
#if canImport(Glibc)
import Glibc
#endif

/// Requests of the "ethtool" generic-netlink family (linux/ethtool_netlink.h),
/// built with libnl-genl-3. Every message starts with a header nest naming
/// the device; nests carry NLA_F_NESTED because the family validates strictly.
struct EthtoolMessages {
    /// The family id from `genl_ctrl_resolve(sk, "ethtool")`.
    let family: Int32

    private func start(_ command: Int, device: String?, flags: UInt32) throws(NetlinkFailure) -> OpaquePointer {
        guard let message = nlmsg_alloc() else { throw NetlinkFailure(errno: .outOfMemory, request: "nlmsg_alloc") }
        _ = genlmsg_put(message, UInt32(NL_AUTO_PORT), UInt32(NL_AUTO_SEQ), family, 0, 0,
                        UInt8(command), UInt8(ETHTOOL_GENL_VERSION))
        // Every *_HEADER attribute is number 1.
        let header = nla_nest_start(message, Int32(ETHTOOL_A_FEATURES_HEADER) | Int32(NLA_F_NESTED))
        if let device { _ = nla_put_string(message, Int32(ETHTOOL_A_HEADER_DEV_NAME), device) }
        if flags != 0 { _ = nla_put_u32(message, Int32(ETHTOOL_A_HEADER_FLAGS), flags) }
        _ = nla_nest_end(message, header)
        return message
    }

    /// ETHTOOL_MSG_STRSET_GET for ETH_SS_FEATURES (the feature names, by bit).
    func featureNamesRequest(device: String) throws(NetlinkFailure) -> OpaquePointer {
        let message = try start(ETHTOOL_MSG_STRSET_GET, device: device, flags: 0)
        let sets = nla_nest_start(message, Int32(ETHTOOL_A_STRSET_STRINGSETS) | Int32(NLA_F_NESTED))
        let set = nla_nest_start(message, Int32(ETHTOOL_A_STRINGSETS_STRINGSET) | Int32(NLA_F_NESTED))
        _ = nla_put_u32(message, Int32(ETHTOOL_A_STRINGSET_ID), UInt32(ETH_SS_FEATURES.rawValue))
        _ = nla_nest_end(message, set)
        _ = nla_nest_end(message, sets)
        return message
    }

    /// ETHTOOL_MSG_FEATURES_GET with compact bitsets (bit arrays, named by the string set).
    func featuresRequest(device: String) throws(NetlinkFailure) -> OpaquePointer {
        try start(ETHTOOL_MSG_FEATURES_GET, device: device, flags: UInt32(ETHTOOL_FLAG_COMPACT_BITSETS))
    }

    /// ETHTOOL_MSG_FEATURES_SET: a verbose WANTED bitset listing only the
    /// named bits (so the mask is exactly those bits; others stay as they are).
    func setFeaturesRequest(device: String, wanted: [String: Bool]) throws(NetlinkFailure) -> OpaquePointer {
        let message = try start(ETHTOOL_MSG_FEATURES_SET, device: device, flags: UInt32(ETHTOOL_FLAG_OMIT_REPLY))
        let bitset = nla_nest_start(message, Int32(ETHTOOL_A_FEATURES_WANTED) | Int32(NLA_F_NESTED))
        let bits = nla_nest_start(message, Int32(ETHTOOL_A_BITSET_BITS) | Int32(NLA_F_NESTED))
        for (name, on) in wanted.sorted(by: { $0.key < $1.key }) {
            let bit = nla_nest_start(message, Int32(ETHTOOL_A_BITSET_BITS_BIT) | Int32(NLA_F_NESTED))
            _ = nla_put_string(message, Int32(ETHTOOL_A_BITSET_BIT_NAME), name)
            if on { _ = nla_put_flag(message, Int32(ETHTOOL_A_BITSET_BIT_VALUE)) }
            _ = nla_nest_end(message, bit)
        }
        _ = nla_nest_end(message, bits)
        _ = nla_nest_end(message, bitset)
        return message
    }

    /// ETHTOOL_MSG_PAUSE_GET.
    func pauseRequest(device: String) throws(NetlinkFailure) -> OpaquePointer {
        try start(ETHTOOL_MSG_PAUSE_GET, device: device, flags: 0)
    }

    /// ETHTOOL_MSG_PAUSE_SET.
    func setPauseRequest(device: String, _ settings: PauseSettings) throws(NetlinkFailure) -> OpaquePointer {
        let message = try start(ETHTOOL_MSG_PAUSE_SET, device: device, flags: 0)
        _ = nla_put_u8(message, Int32(ETHTOOL_A_PAUSE_AUTONEG), settings.autoneg ? 1 : 0)
        _ = nla_put_u8(message, Int32(ETHTOOL_A_PAUSE_RX), settings.rx ? 1 : 0)
        _ = nla_put_u8(message, Int32(ETHTOOL_A_PAUSE_TX), settings.tx ? 1 : 0)
        return message
    }

    // MARK: Replies

    /// The top-level attributes of a generic-netlink reply.
    static func attributes(of message: OpaquePointer) -> NetlinkAttributes {
        guard let header = nlmsg_hdr(message),
              let genl = nlmsg_data(header)?.assumingMemoryBound(to: genlmsghdr.self) else {
            return NetlinkAttributes(head: nil, length: 0)
        }
        return NetlinkAttributes(head: genlmsg_attrdata(genl, 0), length: genlmsg_attrlen(genl, 0))
    }

    /// Feature names by bit index from an ETHTOOL_MSG_STRSET_GET_REPLY.
    static func featureNames(from message: OpaquePointer) -> [Int: String] {
        var names: [Int: String] = [:]
        guard let sets = attributes(of: message).first(Int32(ETHTOOL_A_STRSET_STRINGSETS)) else { return names }
        for set in NetlinkAttributes(nestedIn: sets).all(Int32(ETHTOOL_A_STRINGSETS_STRINGSET)) {
            let fields = NetlinkAttributes(nestedIn: set)
            guard let id = fields.first(Int32(ETHTOOL_A_STRINGSET_ID)),
                  nla_get_u32(id) == UInt32(ETH_SS_FEATURES.rawValue),
                  let strings = fields.first(Int32(ETHTOOL_A_STRINGSET_STRINGS)) else { continue }
            for string in NetlinkAttributes(nestedIn: strings).all(Int32(ETHTOOL_A_STRINGS_STRING)) {
                let entry = NetlinkAttributes(nestedIn: string)
                guard let index = entry.first(Int32(ETHTOOL_A_STRING_INDEX)),
                      let value = entry.first(Int32(ETHTOOL_A_STRING_VALUE)),
                      let text = nla_get_string(value) else { continue }
                names[Int(nla_get_u32(index))] = String(cString: text)
            }
        }
        return names
    }

    /// A compact bitset (ETHTOOL_A_BITSET_SIZE + ETHTOOL_A_BITSET_VALUE words).
    static func compactBits(_ bitset: UnsafeMutablePointer<nlattr>?) -> [Bool] {
        guard let bitset else { return [] }
        let fields = NetlinkAttributes(nestedIn: bitset)
        guard let size = fields.first(Int32(ETHTOOL_A_BITSET_SIZE)),
              let value = fields.first(Int32(ETHTOOL_A_BITSET_VALUE)),
              let data = nla_data(value) else { return [] }
        let count = Int(nla_get_u32(size))
        let words = Int(nla_len(value)) / 4
        var bits = [Bool](repeating: false, count: count)
        for index in 0..<count where index / 32 < words {
            let word = data.loadUnaligned(fromByteOffset: (index / 32) * 4, as: UInt32.self)
            bits[index] = word & (1 << UInt32(index % 32)) != 0
        }
        return bits
    }

    /// A FeatureTable from an ETHTOOL_MSG_FEATURES_GET_REPLY and the names.
    static func featureTable(from message: OpaquePointer, names: [Int: String]) -> FeatureTable {
        let top = attributes(of: message)
        let hardware = compactBits(top.first(Int32(ETHTOOL_A_FEATURES_HW)))
        let wanted = compactBits(top.first(Int32(ETHTOOL_A_FEATURES_WANTED)))
        let active = compactBits(top.first(Int32(ETHTOOL_A_FEATURES_ACTIVE)))
        let nochange = compactBits(top.first(Int32(ETHTOOL_A_FEATURES_NOCHANGE)))
        func bit(_ bits: [Bool], _ index: Int) -> Bool { index < bits.count && bits[index] }
        var table: [String: FeatureState] = [:]
        for (index, name) in names {
            table[name] = FeatureState(active: bit(active, index), wanted: bit(wanted, index),
                                       fixed: !bit(hardware, index) || bit(nochange, index))
        }
        return FeatureTable(table)
    }

    /// PauseSettings from an ETHTOOL_MSG_PAUSE_GET_REPLY.
    static func pause(from message: OpaquePointer) -> PauseSettings {
        let top = attributes(of: message)
        func flag(_ type: Int) -> Bool { top.first(Int32(type)).map { nla_get_u8($0) != 0 } ?? false }
        return PauseSettings(autoneg: flag(ETHTOOL_A_PAUSE_AUTONEG), rx: flag(ETHTOOL_A_PAUSE_RX),
                             tx: flag(ETHTOOL_A_PAUSE_TX))
    }
}
