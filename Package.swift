// swift-tools-version: 6.1
//
// valed: a daemon that manages netmap's VALE software switches on Linux,
// and valectl, its client. The layout mirrors ../docs/architecture.md:
// one target per subsystem, C libraries behind `systemLibrary` shims, and
// every system call of a subsystem behind one seam.
import PackageDescription

let package = Package(
    name: "valed",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "valed", targets: ["ValeD"]),
        .executable(name: "valectl", targets: ["ValeCtl"]),
        .executable(name: "vale-switchd", targets: ["vale-switchd"]),
        .library(name: "NetmapKit", targets: ["NetmapKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C shims
        // Our own declaration of netmap's ABI (NETMAP-API.md section 2) and a
        // non-variadic ioctl wrapper; no netmap header is used.
        .target(name: "CNetmap"),
        // Linux UAPI headers (rtnetlink, ethtool netlink, if_packet, if_tun).
        .systemLibrary(name: "CLinuxUAPI", path: "Sources/Shims/CLinuxUAPI"),
        .systemLibrary(name: "CNetlink", path: "Sources/Shims/CNetlink", pkgConfig: "libnl-3.0",
                       providers: [.apt(["libnl-3-dev"])]),
        .systemLibrary(name: "CNetlinkRoute", path: "Sources/Shims/CNetlinkRoute", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-route-3-dev"])]),
        .systemLibrary(name: "CNetlinkGenl", path: "Sources/Shims/CNetlinkGenl", pkgConfig: "libnl-genl-3.0",
                       providers: [.apt(["libnl-genl-3-dev"])]),
        .systemLibrary(name: "CSystemd", path: "Sources/Shims/CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CKmod", path: "Sources/Shims/CKmod", pkgConfig: "libkmod",
                       providers: [.apt(["libkmod-dev"])]),
        // Small C helpers for Linux calls that do not import well into Swift
        // (variadic ioctl/fcntl, CMSG macros, TPACKET_V2 ring structs).
        .target(name: "CLinuxSupport", dependencies: ["CLinuxUAPI"], path: "Sources/Shims/CLinuxSupport"),

        // MARK: Libraries
        // The one errno type and EINTR loop every library's system-call seam uses (docs/design.md).
        .target(name: "SystemCallSeam"),
        // netmap ABI, syscall seam, typed control requests, port names, rings.
        .target(name: "NetmapKit", dependencies: ["CNetmap", "SystemCallSeam"]),
        // The Varlink wire format and valed's interface: shared by valed and valectl.
        .target(name: "ValeProtocol", dependencies: ["CLinuxSupport"], exclude: ["io.valed.varlink"]),
        // NIC state over netlink (libnl-3): flags, ethtool features, carrier, events.
        .target(name: "ValeLink", dependencies: ["NetAddress", "CNetlink", "CNetlinkRoute", "CNetlinkGenl", "CLinuxUAPI", "CLinuxSupport", "SystemCallSeam"]),
        // netmap module and patched drivers (libkmod, /sys/module).
        .target(name: "ValeModules", dependencies: ["CKmod", "SystemCallSeam"]),
        // sd_notify, socket activation, journal (libsystemd).
        .target(name: "ValeSystemd", dependencies: ["CSystemd", "SystemCallSeam", .product(name: "Logging", package: "swift-log")]),
        // The userspace datapath: learning switch, AF_PACKET and TAP ports.
        .target(name: "ValeSwitch", dependencies: ["CLinuxUAPI", "CLinuxSupport", "SystemCallSeam"]),
        // The forwarding process's wire: the io.valed.forwarder interface, its
        // types and errors, and the blocking ForwarderClient (docs/forwarder.md).
        .target(name: "ValeForwarding", dependencies: ["ValeProtocol"], exclude: ["io.valed.forwarder.varlink"]),
        // IPv4/IPv6 address values (inet_pton/inet_ntop), shared by the NIC
        // layer's netlink messages and the desired state's tunnel remotes.
        .target(name: "NetAddress"),

        // MARK: The daemon (docs/design.md, "Targets": the arrows)
        // Desired and stored state, the configuration file, the store.
        .target(name: "ValeState", dependencies: [
            "NetmapKit", "NetAddress", "SystemCallSeam", .product(name: "Yams", package: "Yams"),
        ]),
        // The provider interface: Datapath, Capabilities, DatapathError, and the
        // optional services a provider offers (monitors, pipes, module lifecycle).
        .target(name: "ValeDatapath", dependencies: ["ValeState"]),
        // The engine: one actor owning the state, the planner, reconcile.
        .target(name: "ValeEngine", dependencies: [
            "ValeState", "ValeDatapath", .product(name: "Logging", package: "swift-log"),
        ]),
        // netmap's VALE in the kernel: KernelDatapath, monitors, pipes, module reload.
        .target(name: "ValeKernelVALE", dependencies: [
            "ValeState", "ValeDatapath", "NetmapKit", "ValeModules", "CLinuxSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // valed's own switches in userspace (ValeSwitch).
        // The provider drives vale-switchd (ValeForwarding's client) and supervises it.
        .target(name: "ValeUserspaceVALE", dependencies: [
            "ValeState", "ValeDatapath", "ValeForwarding", "ValeProtocol", "CLinuxSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The NIC layer over ValeLink: prepare/restore, tunnels, link events.
        .target(name: "ValeNIC", dependencies: [
            "ValeState", "ValeDatapath", "ValeEngine", "ValeLink", "NetAddress", .product(name: "Logging", package: "swift-log"),
        ]),
        // The Varlink control server, the metrics endpoint, the pipe descriptor
        // socket, and the one mapping of engine and provider types to the wire.
        .target(name: "ValeControl", dependencies: [
            "ValeState", "ValeDatapath", "ValeEngine", "ValeProtocol", "CLinuxSupport", "SystemCallSeam",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Assembly only: options, datapath selection, the ServiceGroup.
        .target(name: "ValeDaemon", dependencies: [
            "ValeState", "ValeDatapath", "ValeEngine", "ValeKernelVALE", "ValeUserspaceVALE", "ValeNIC", "ValeControl",
            "NetmapKit", "ValeSystemd",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Executables
        .executableTarget(name: "ValeD", dependencies: ["ValeDaemon"]),
        .executableTarget(name: "ValeCtl", dependencies: [
            "ValeProtocol", "NetmapKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // `vale-switchd`: the userspace switches in a process of their own, driven over io.valed.forwarder.
        .executableTarget(name: "vale-switchd", dependencies: [
            "ValeForwarding", "ValeProtocol", "ValeSwitch", "ValeSystemd", "NetmapKit",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/ValeSwitchD"),

        // Runs a userspace switch over given interfaces for Benchmarks/userspace/run.sh.
        .executableTarget(name: "ValeSwitchBench", dependencies: ["ValeSwitch"], path: "Benchmarks/userspace/ValeSwitchBench"),
        // Per-frame cost (ns, allocations) of vale-pktgen's loops against the simulated ring kernel (issue 15).
        .executableTarget(name: "vale-pktgen-bench", dependencies: ["NetmapKit", "NetmapKitTesting", "CMallocCounter"],
                          path: "Benchmarks/pktgen/PktgenBench"),
        // Counting malloc/calloc/realloc/aligned allocations for vale-pktgen-bench.
        .target(name: "CMallocCounter", path: "Benchmarks/pktgen/CMallocCounter"),
        // `vale-pktgen`: packet generator/receiver for one netmap port (benchmarks).
        .executableTarget(name: "vale-pktgen", dependencies: [
            "NetmapKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/ValePktgen"),

        // MARK: Tests
        .testTarget(name: "SystemCallSeamTests", dependencies: ["SystemCallSeam"]),
        .testTarget(name: "NetmapKitTests", dependencies: ["NetmapKit", "CNetmap", "NetmapKitTesting", "VALEKernelModel", "vale-kernel-model"]),
        .testTarget(name: "ValeProtocolTests", dependencies: ["ValeProtocol"]),
        // The control server over a real socket with a fake handler, and the real valectl binary.
        .testTarget(name: "ValeCtlTests", dependencies: ["ValeCtl", "ValeControl", "ValeProtocol", "TestSupport"]),
        .testTarget(name: "ValeLinkTests", dependencies: ["ValeLink", "NetAddress", "SystemCallSeam", "TestSupport"]),
        .testTarget(name: "ValeModulesTests", dependencies: ["ValeModules", "SystemCallSeam", "TestSupport"]),
        .testTarget(name: "ValeSystemdTests", dependencies: ["ValeSystemd", "SystemCallSeam", "TestSupport"]),
        .testTarget(name: "ValeSwitchTests", dependencies: ["ValeSwitch", "SystemCallSeam", "TestSupport"]),
        // The real vale-switchd in network namespaces, driven by ForwarderClient.
        .testTarget(name: "ValeSwitchDTests", dependencies: ["ValeForwarding", "ValeProtocol", "TestSupport", "vale-switchd"]),
        .testTarget(name: "ValePktgenTests", dependencies: ["vale-pktgen", "NetmapKit", "NetmapKitTesting"]),
        .testTarget(name: "ValeDaemonTests", dependencies: [
            "ValeDaemon", "ValeState", "ValeDatapath", "ValeEngine", "ValeKernelVALE", "ValeNIC", "ValeControl",
            "ValeLink", "ValeProtocol", "ValeModules", "SystemCallSeam", "TestSupport", "NetmapKit", "NetmapKitTesting", "VALEKernelModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus")]),
        // NetmapKit's seam for unit tests: records calls with their bytes, injects errnos.
        .target(name: "NetmapKitTesting", dependencies: ["NetmapKit", "CNetmap"], path: "Tests/NetmapKitTesting"),
        // A model of the kernel's VALE semantics behind the same seam, optionally file-backed.
        .target(name: "VALEKernelModel", dependencies: ["NetmapKit", "CNetmap"], path: "Tests/VALEKernelModel"),
        // The real valed with netmap replaced by the file-backed kernel model.
        .executableTarget(name: "valed-model", dependencies: ["ValeDaemon", "VALEKernelModel"], path: "Tests/ValedModelHarness"),
        // Real valed and valectl processes over a socket in a temp dir.
        .testTarget(name: "ValedIntegrationTests", dependencies: ["ValeProtocol", "VALEKernelModel", "NetmapKit", "TestSupport"]),
        // `vale-kernel-model`: the model as a second process (a VM holding a port, another valed).
        .executableTarget(name: "vale-kernel-model", dependencies: ["NetmapKit", "VALEKernelModel"], path: "Tests/VALEKernelModelTool"),
        // Shared test helpers: network namespaces, processes, temp dirs.
        .target(name: "TestSupport", dependencies: ["CLinuxSupport"], path: "Tests/TestSupport"),
    ]
)
