// swift-tools-version: 6.1
//
// Benchmarks for valed, kept out of the main package so that building or
// testing valed never pulls in the benchmark harness. Run from this folder:
//   swift package --disable-sandbox benchmark
import PackageDescription

let package = Package(
    name: "valed-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "valed", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // NetmapKit: request encoding and port-name parsing (issue 2, item 5).
        .executableTarget(
            name: "NetmapKitBenchmarks",
            dependencies: [
                .product(name: "NetmapKit", package: "valed"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/NetmapKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // libFuzzer harness for the port-name grammar (build with -sanitize=fuzzer; see the file).
        .executableTarget(
            name: "PortNameFuzzer",
            dependencies: [.product(name: "NetmapKit", package: "valed")],
            path: "Fuzz/PortNameFuzzer"
        ),
    ]
)
