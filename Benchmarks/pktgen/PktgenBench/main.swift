// vale-pktgen-bench: the per-frame cost of NetmapKit's traffic generator and
// receiver (the loops of vale-pktgen) against the simulated ring kernel, in
// ns/frame and heap allocations/frame (issue 15, item 10).
//
//   swift build -c release --product vale-pktgen-bench
//   .build/release/vale-pktgen-bench [tx|rx|both] [frames] [slots]
//
// The simulated kernel discards transmitted frames (no copy) and refills
// every free RX slot with one 60-byte frame per rxsync, so what is left is
// user space's work per slot plus one model sync per ring's worth of slots.
// Instructions per frame: run under `valgrind --tool=callgrind` with two
// frame counts and divide the difference (docs/performance.md).
import CMallocCounter
import NetmapKit
import NetmapKitTesting

let arguments = CommandLine.arguments.dropFirst()
let direction = arguments.first ?? "both"
let frames = arguments.dropFirst().first.flatMap { Int($0) } ?? 5_000_000
let slots = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1024
let warmup = min(frames, 100_000)
let template = UDPTestFrame().bytes()

func geometry() -> SimulatedRingKernel.Geometry {
    var g = SimulatedRingKernel.Geometry()
    g.txRings = 1
    g.rxRings = 1
    g.slots = slots
    return g
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func line(_ what: String, frames: Int, syncs: Int, elapsed: Duration, allocations: UInt) -> String {
    let ns = seconds(elapsed) * 1e9 / Double(frames)
    let perFrame = Double(allocations) / Double(frames)
    return "\(what): \(frames) frames, \(syncs) syncs, "
        + "\((ns * 100).rounded() / 100) ns/frame, \(allocations) allocations (\(perFrame) per frame)"
}

func benchmarkTX() throws {
    let kernel = SimulatedRingKernel(geometry: geometry())
    kernel.discardTransmittedFrames()
    let port = try NetmapPort("vale0:a", request: RegisterRequest(mode: .allNIC, ringID: 0), systemCalls: kernel)
    defer { port.close() }
    let generator = NetmapTrafficGenerator(port: port)
    _ = try generator.send(template: template, count: warmup)
    let before = malloc_counter_allocations()
    let start = ContinuousClock.now
    let report = try generator.send(template: template, count: frames)
    let elapsed = start.duration(to: .now)
    let allocations = malloc_counter_allocations() - before
    precondition(report.frames == frames && kernel.transmittedTotals.frames == warmup + frames)
    print(line("tx", frames: frames, syncs: report.syncs, elapsed: elapsed, allocations: allocations))
}

func benchmarkRX() throws {
    let kernel = SimulatedRingKernel(geometry: geometry())
    kernel.deliverContinuously(template)
    let port = try NetmapPort("vale0:a", request: RegisterRequest(mode: .allNIC, ringID: 0), systemCalls: kernel)
    defer { port.close() }
    let receiver = NetmapTrafficReceiver(port: port, pollTimeout: 0)
    _ = try receiver.receive(count: warmup, giveUpOnTimeout: true)
    let before = malloc_counter_allocations()
    let start = ContinuousClock.now
    let report = try receiver.receive(count: frames, giveUpOnTimeout: true)
    let elapsed = start.duration(to: .now)
    let allocations = malloc_counter_allocations() - before
    precondition(report.frames == frames)
    print(line("rx", frames: frames, syncs: report.syncs, elapsed: elapsed, allocations: allocations))
}

// The counter must see Swift's allocations, or "0 per frame" means nothing.
let probeStart = malloc_counter_allocations()
for i in 0..<10 { _ = [UInt8](repeating: UInt8(i), count: 100 + i) }
precondition(malloc_counter_allocations() - probeStart >= 10, "the malloc counter does not see Swift's allocations")

print("vale-pktgen-bench: \(slots)-slot rings, \(template.count)-byte frames, \(warmup) warm-up frames")
if direction == "tx" || direction == "both" { try benchmarkTX() }
if direction == "rx" || direction == "both" { try benchmarkRX() }
