/// What to do with one NIC setting: turn it on, turn it off, or leave it as the admin left it.
public enum NICSetting: String, Sendable, Hashable, Codable, CaseIterable {
    case on, off, unchanged

    /// The target value, nil for `.unchanged`.
    var target: Bool? {
        switch self {
        case .on: return true
        case .off: return false
        case .unchanged: return nil
        }
    }
}

/// How valed prepares a NIC it attaches to a VALE switch (NETMAP-API.md
/// section 7): link up, promiscuous on (7.3, netmap issue 62), offloads off
/// (7.2, issues 195, 268), VLAN stripping off (7.4, issue 259), pause frames
/// only when configured.
///
/// Decoding fills missing keys with the defaults, so a config block names
/// only what it changes; `NICPolicyOverrides` layers a per-port block over a
/// base policy.
public struct NICPolicy: Sendable, Hashable, Codable {
    /// IFF_UP. netmap pauses an adapter's rings while it is down (7.1).
    public var up: NICSetting = .on
    /// IFF_PROMISC, so frames for the MACs behind the switch are received (7.3).
    public var promiscuous: NICSetting = .on
    /// rx-checksum ("rx" in `ethtool -K`).
    public var rxChecksum: NICSetting = .off
    /// tx-checksum-ipv4, -ip-generic, -ipv6, -fcoe-crc, -sctp ("tx").
    public var txChecksum: NICSetting = .off
    /// tx-scatter-gather, tx-scatter-gather-fraglist ("sg").
    public var scatterGather: NICSetting = .off
    /// tx-generic-segmentation ("gso").
    public var genericSegmentation: NICSetting = .off
    /// tx-tcp-segmentation, -ecn-, -mangleid-, tcp6-, -accecn- ("tso").
    public var tcpSegmentation: NICSetting = .off
    /// rx-gro ("gro").
    public var genericReceive: NICSetting = .off
    /// rx-lro and rx-gro-hw ("lro", "rx-gro-hw"): both coalesce frames in hardware.
    public var largeReceive: NICSetting = .off
    /// rx-vlan-hw-parse, rx-vlan-stag-hw-parse ("rxvlan"): keep tags in the frame.
    public var vlanStripping: NICSetting = .off
    /// tx-vlan-hw-insert, tx-vlan-stag-hw-insert ("txvlan").
    public var vlanInsertion: NICSetting = .unchanged
    /// 802.3x pause frames (autoneg, rx, tx together).
    public var pauseFrames: NICSetting = .unchanged
    /// Further features by kernel name (`ethtool -k` per-feature lines), for drivers with quirks.
    public var extraFeatures: [String: NICSetting] = [:]

    /// The defaults described above.
    public static let `default` = NICPolicy()

    /// Touches nothing; `prepare` with it records nothing.
    public static let unchanged: NICPolicy = {
        var policy = NICPolicy()
        policy.up = .unchanged; policy.promiscuous = .unchanged
        for key in NICPolicy.featureGroups.keys { policy[feature: key] = .unchanged }
        return policy
    }()

    public init() {}

    /// The kernel feature names each policy key controls (ETH_SS_FEATURES
    /// strings). Names a kernel does not know are skipped.
    public static let featureGroups: [String: [String]] = [
        "rxChecksum": ["rx-checksum"],
        "txChecksum": ["tx-checksum-ipv4", "tx-checksum-ip-generic", "tx-checksum-ipv6",
                       "tx-checksum-fcoe-crc", "tx-checksum-sctp"],
        "scatterGather": ["tx-scatter-gather", "tx-scatter-gather-fraglist"],
        "genericSegmentation": ["tx-generic-segmentation"],
        "tcpSegmentation": ["tx-tcp-segmentation", "tx-tcp-ecn-segmentation", "tx-tcp-mangleid-segmentation",
                            "tx-tcp6-segmentation", "tx-tcp-accecn-segmentation"],
        "genericReceive": ["rx-gro"],
        "largeReceive": ["rx-lro", "rx-gro-hw"],
        "vlanStripping": ["rx-vlan-hw-parse", "rx-vlan-stag-hw-parse"],
        "vlanInsertion": ["tx-vlan-hw-insert", "tx-vlan-stag-hw-insert"],
    ]

    /// The setting of a feature group by its key in `featureGroups`.
    public subscript(feature key: String) -> NICSetting {
        get {
            switch key {
            case "rxChecksum": return rxChecksum
            case "txChecksum": return txChecksum
            case "scatterGather": return scatterGather
            case "genericSegmentation": return genericSegmentation
            case "tcpSegmentation": return tcpSegmentation
            case "genericReceive": return genericReceive
            case "largeReceive": return largeReceive
            case "vlanStripping": return vlanStripping
            case "vlanInsertion": return vlanInsertion
            default: return .unchanged
            }
        }
        set {
            switch key {
            case "rxChecksum": rxChecksum = newValue
            case "txChecksum": txChecksum = newValue
            case "scatterGather": scatterGather = newValue
            case "genericSegmentation": genericSegmentation = newValue
            case "tcpSegmentation": tcpSegmentation = newValue
            case "genericReceive": genericReceive = newValue
            case "largeReceive": largeReceive = newValue
            case "vlanStripping": vlanStripping = newValue
            case "vlanInsertion": vlanInsertion = newValue
            default: break
            }
        }
    }

    /// Target value per kernel feature name: the groups, then `extraFeatures`
    /// (which win on conflict).
    public var featureTargets: [String: Bool] {
        var targets: [String: Bool] = [:]
        for (key, names) in NICPolicy.featureGroups {
            guard let value = self[feature: key].target else { continue }
            for name in names { targets[name] = value }
        }
        for (name, setting) in extraFeatures {
            if let value = setting.target { targets[name] = value } else { targets[name] = nil }
        }
        return targets
    }

    private enum CodingKeys: String, CodingKey {
        case up, promiscuous, rxChecksum, txChecksum, scatterGather, genericSegmentation, tcpSegmentation
        case genericReceive, largeReceive, vlanStripping, vlanInsertion, pauseFrames, extraFeatures
    }

    /// Missing keys take the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value(_ key: CodingKeys, _ fallback: NICSetting) throws -> NICSetting {
            try container.decodeIfPresent(NICSetting.self, forKey: key) ?? fallback
        }
        let base = NICPolicy()
        up = try value(.up, base.up)
        promiscuous = try value(.promiscuous, base.promiscuous)
        rxChecksum = try value(.rxChecksum, base.rxChecksum)
        txChecksum = try value(.txChecksum, base.txChecksum)
        scatterGather = try value(.scatterGather, base.scatterGather)
        genericSegmentation = try value(.genericSegmentation, base.genericSegmentation)
        tcpSegmentation = try value(.tcpSegmentation, base.tcpSegmentation)
        genericReceive = try value(.genericReceive, base.genericReceive)
        largeReceive = try value(.largeReceive, base.largeReceive)
        vlanStripping = try value(.vlanStripping, base.vlanStripping)
        vlanInsertion = try value(.vlanInsertion, base.vlanInsertion)
        pauseFrames = try value(.pauseFrames, base.pauseFrames)
        extraFeatures = try container.decodeIfPresent([String: NICSetting].self, forKey: .extraFeatures) ?? [:]
    }

    /// This policy with every key the overrides set replaced.
    public func applying(_ overrides: NICPolicyOverrides) -> NICPolicy {
        var policy = self
        if let value = overrides.up { policy.up = value }
        if let value = overrides.promiscuous { policy.promiscuous = value }
        if let value = overrides.pauseFrames { policy.pauseFrames = value }
        for key in NICPolicy.featureGroups.keys {
            if let value = overrides[feature: key] { policy[feature: key] = value }
        }
        for (name, value) in overrides.extraFeatures ?? [:] { policy.extraFeatures[name] = value }
        return policy
    }
}

/// A per-port block of the config: only the keys present change the base policy.
public struct NICPolicyOverrides: Sendable, Hashable, Codable {
    public var up: NICSetting?
    public var promiscuous: NICSetting?
    public var rxChecksum: NICSetting?
    public var txChecksum: NICSetting?
    public var scatterGather: NICSetting?
    public var genericSegmentation: NICSetting?
    public var tcpSegmentation: NICSetting?
    public var genericReceive: NICSetting?
    public var largeReceive: NICSetting?
    public var vlanStripping: NICSetting?
    public var vlanInsertion: NICSetting?
    public var pauseFrames: NICSetting?
    public var extraFeatures: [String: NICSetting]?

    public init() {}

    subscript(feature key: String) -> NICSetting? {
        switch key {
        case "rxChecksum": return rxChecksum
        case "txChecksum": return txChecksum
        case "scatterGather": return scatterGather
        case "genericSegmentation": return genericSegmentation
        case "tcpSegmentation": return tcpSegmentation
        case "genericReceive": return genericReceive
        case "largeReceive": return largeReceive
        case "vlanStripping": return vlanStripping
        case "vlanInsertion": return vlanInsertion
        default: return nil
        }
    }
}
