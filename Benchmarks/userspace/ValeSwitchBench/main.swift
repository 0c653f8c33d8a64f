// vale-switch-bench: runs one userspace switch (ValeSwitch) over the named
// interfaces of the current network namespace for a fixed time, then prints
// each port's counters. Used by Benchmarks/userspace/run.sh; not installed.
//
//   ValeSwitchBench [--seconds N] [--tx-ring|--sendmmsg] IFACE IFACE...
import Foundation
import ValeSwitch

var seconds = 10.0
var txRing = false
var interfaces: [String] = []
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--seconds": seconds = Double(args.popFirst() ?? "") ?? seconds
    case "--tx-ring": txRing = true
    case "--sendmmsg": txRing = false
    case "-h", "--help":
        print("usage: ValeSwitchBench [--seconds N] [--tx-ring|--sendmmsg] IFACE IFACE...")
        exit(0)
    default: interfaces.append(arg)
    }
}
guard interfaces.count >= 2 else {
    FileHandle.standardError.write(Data("ValeSwitchBench: name at least two interfaces\n".utf8))
    exit(2)
}

let host = UserspaceSwitchHost()
do {
    try host.createSwitch("bench", configuration: SwitchConfiguration(transmitRing: txRing))
    for name in interfaces { try host.attachInterface(switch: "bench", interface: name) }
} catch {
    FileHandle.standardError.write(Data("ValeSwitchBench: \(error)\n".utf8))
    exit(1)
}
print("ready")
// Runs for --seconds, or until SIGTERM/SIGINT; prints the counters either way
// (run.sh checks that every frame sent is delivered or counted as a drop).
let done = DispatchSemaphore(value: 0)
var signalSources: [DispatchSourceSignal] = []
for number in [SIGTERM, SIGINT] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler { done.signal() }
    source.resume()
    signalSources.append(source)
}
_ = done.wait(timeout: .now() + seconds)
for port in host.list().first?.ports ?? [] {
    let c = port.counters
    print("\(port.name) rx=\(c.rxPackets) rxbytes=\(c.rxBytes) rxdrops=\(c.rxDrops) tx=\(c.txPackets) txbytes=\(c.txBytes) txdrops=\(c.txDrops)")
}
host.shutdown()
