// libFuzzer harness for NetmapKit's name parsers. Build and run from Benchmarks/:
//   swift build -c release --scratch-path .build-fuzz --product PortNameFuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
//   .build-fuzz/release/PortNameFuzzer -max_total_time=60
// Any input must either parse into a self-consistent name or be refused with a reason.
//
// SwiftPM renames an executable's main, so this file starts libFuzzer's driver itself.
import NetmapKit
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let name = try PortName.parse(text)
        precondition(name.kernelName.utf8.count <= 63 && !name.kernelName.isEmpty)
        if case .vale(let sw, let port) = name.target {
            precondition(sw.hasPrefix("vale") && sw.utf8.count <= 15 && port.utf8.count <= 15)
        }
        _ = RegisterRequest(name)
    } catch {
        precondition(!error.reason.isEmpty)
    }
    if let vale = try? VALEPortName(parsing: text) {
        precondition(vale.description == text)
    }
    _ = try? InterfaceName.validateNewInterface(text)
    return 0
}

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
