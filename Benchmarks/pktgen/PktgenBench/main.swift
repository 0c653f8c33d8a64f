// vale-pktgen-bench: the per-frame cost of NetmapKit's traffic generator and
// receiver (the loops of vale-pktgen) against the simulated ring kernel, in
// ns/frame and heap allocations/frame (issue 15, item 10).
//
//   swift build -c release --product vale-pktgen-bench
//   .build/release/vale-pktgen-bench [tx|rx|rx-seq|both] [frames] [slots]
//
// rx is vale-pktgen's receive path (only each slot's len is read); rx-seq
// also reads the generator's sequence number from every payload.
// Allocations are counted twice: over the whole measured call, and the
// difference between a call of `frames` and one of `frames / 2`, divided by
// `frames / 2`: the steady-state allocations per frame, without the fixed
// setup of a call (its ring list).
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

func line(_ what: String, frames: Int, syncs: Int, elapsed: Duration, allocations: UInt, halfRunAllocations: UInt) -> String {
    let ns = seconds(elapsed) * 1e9 / Double(frames)
    let steady = (Double(allocations) - Double(halfRunAllocations)) / Double(frames - frames / 2)
    return "\(what): \(frames) frames, \(syncs) syncs, "
        + "\((ns * 100).rounded() / 100) ns/frame, \(allocations) allocations in the call "
        + "(\(Double(allocations) / Double(frames)) per frame; steady state \(steady) per frame)"
}

/// Allocations made by `body`.
func allocations(_ body: () throws -> Void) rethrows -> UInt {
    let before = malloc_counter_allocations()
    try body()
    return malloc_counter_allocations() - before
}

func benchmarkTX() throws {
    let kernel = SimulatedRingKernel(geometry: geometry())
    kernel.discardTransmittedFrames()
    let port = try NetmapPort("vale0:a", request: RegisterRequest(mode: .allNIC, ringID: 0), systemCalls: kernel)
    defer { port.close() }
    let generator = NetmapTrafficGenerator(port: port)
    _ = try generator.send(template: template, count: warmup)
    let half = try allocations { _ = try generator.send(template: template, count: frames / 2) }
    let before = malloc_counter_allocations()
    let start = ContinuousClock.now
    let report = try generator.send(template: template, count: frames)
    let elapsed = start.duration(to: .now)
    let all = malloc_counter_allocations() - before
    precondition(report.frames == frames && kernel.transmittedTotals.frames == warmup + frames / 2 + frames)
    print(line("tx", frames: frames, syncs: report.syncs, elapsed: elapsed, allocations: all, halfRunAllocations: half))
}

func benchmarkRX(checkSequence: Bool) throws {
    let kernel = SimulatedRingKernel(geometry: geometry())
    kernel.deliverContinuously(template)
    let port = try NetmapPort("vale0:a", request: RegisterRequest(mode: .allNIC, ringID: 0), systemCalls: kernel)
    defer { port.close() }
    let receiver = NetmapTrafficReceiver(port: port, pollTimeout: 0)
    _ = try receiver.receive(count: warmup, giveUpOnTimeout: true, checkSequence: checkSequence)
    let half = try allocations { _ = try receiver.receive(count: frames / 2, giveUpOnTimeout: true, checkSequence: checkSequence) }
    let before = malloc_counter_allocations()
    let start = ContinuousClock.now
    let report = try receiver.receive(count: frames, giveUpOnTimeout: true, checkSequence: checkSequence)
    let elapsed = start.duration(to: .now)
    let all = malloc_counter_allocations() - before
    precondition(report.frames == frames)
    print(line(checkSequence ? "rx-seq" : "rx", frames: frames, syncs: report.syncs, elapsed: elapsed, allocations: all, halfRunAllocations: half))
}

// The counter must see Swift's allocations, or "0 per frame" means nothing.
let probeStart = malloc_counter_allocations()
for i in 0..<10 { _ = [UInt8](repeating: UInt8(i), count: 100 + i) }
precondition(malloc_counter_allocations() - probeStart >= 10, "the malloc counter does not see Swift's allocations")

print("vale-pktgen-bench: \(slots)-slot rings, \(template.count)-byte frames, \(warmup) warm-up frames")
if direction == "tx" || direction == "both" { try benchmarkTX() }
if direction == "rx" || direction == "both" { try benchmarkRX(checkSequence: false) }
if direction == "rx-seq" || direction == "both" { try benchmarkRX(checkSequence: true) }
