import Benchmark
import Glibc
import NetmapKit

/// A seam that answers every call at once, so the control benchmark measures
/// NetmapKit's own work (encoding, copying, decoding) and not the kernel.
struct NoKernel: NetmapSystemCalls {
    func open(_ path: String, flags: Int32) throws(Errno) -> Int32 { 3 }
    func close(_ fd: Int32) throws(Errno) {}
    func ioctl(_ fd: Int32, request: UInt, argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 { 0 }
    func mmap(length: Int, protection: Int32, flags: Int32, fd: Int32, offset: Int) throws(Errno) -> UnsafeMutableRawPointer {
        throw .noSuchDevice
    }
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {}
    func poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, timeout: Int32) throws(Errno) -> Int { 0 }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )

    Benchmark("Encode VALE_ATTACH (header + body bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            let request = try NetmapControlRequest.attach("vale0:eth0", hostStack: true)
            blackHole(request.headerBytes(bodyAddress: 0x7f00_0000_1000))
        }
    }

    Benchmark("Encode VALE_POLLING_ENABLE (body bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try NetmapControlRequest.enablePolling("vale0:eth0", .multiCPU(first: 0, count: 2)))
        }
    }

    Benchmark("NetmapControl.attach through a no-op seam") { benchmark in
        let control = try NetmapControl(systemCalls: NoKernel())
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try control.attach("vale0:eth0"))
        }
    }

    for spec in ["netmap:eth0", "vale0:vm1{3-1@2@conf:rings=4", "netmap:eth0-1/rt@2"] {
        Benchmark("Parse portspec \(spec)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try PortName.parse(spec))
            }
        }
    }

    Benchmark("Validate VALEPortName vale0:eth0^") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try VALEPortName(parsing: "vale0:eth0^"))
        }
    }

    Benchmark("Reject portspec val0:p (with reason)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? PortName.parse("val0:p"))
        }
    }
}
