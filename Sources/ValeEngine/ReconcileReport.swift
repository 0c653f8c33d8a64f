import Foundation
import ValeDatapath
import ValeState

/// What one reconcile did: the steps that ran, the ones that failed, and
/// the differences it found between desired and observed state.
public struct ReconcileReport: Sendable, Equatable {
    public var started: Date
    public var applied: [Step] = []
    public var failed: [(step: Step, error: String)] = []
    /// Steps not run because an earlier step failed (apply stops at the first failure).
    public var skipped: [Step] = []
    /// Ports valed found in the datapath and adopted without touching them.
    public var adopted: [String] = []
    /// Desired ports whose interface does not exist (yet).
    public var missing: [String] = []

    public init(started: Date = Date()) { self.started = started }

    public var succeeded: Bool { failed.isEmpty }

    /// A reconcile that did not run, with why (the datapath is gone, or the
    /// engine was re-entered): one failed step that names the reason.
    static func refused(_ reason: any Error) -> ReconcileReport {
        var report = ReconcileReport()
        report.failed = [(.attach(AttachmentSpec(switchName: "-", interface: "-", owner: .runtime)), "\(reason)")]
        return report
    }

    /// One line for `valectl status` and the systemd STATUS= field.
    public var summary: String {
        if applied.isEmpty && failed.isEmpty {
            return missing.isEmpty ? "in sync" : "in sync, \(missing.count) missing (\(missing.joined(separator: ", ")))"
        }
        var parts = ["\(applied.count) change\(applied.count == 1 ? "" : "s")"]
        if !failed.isEmpty { parts.append("\(failed.count) failed: " + failed.map { Engine.failureSentence($0.step, $0.error) }.joined(separator: "; ")) }
        if !missing.isEmpty { parts.append("\(missing.count) missing") }
        return parts.joined(separator: ", ")
    }

    public static func == (a: ReconcileReport, b: ReconcileReport) -> Bool {
        a.applied == b.applied && a.failed.map(\.step) == b.failed.map(\.step) && a.failed.map(\.error) == b.failed.map(\.error)
            && a.skipped == b.skipped && a.adopted == b.adopted && a.missing == b.missing
    }
}

/// Counts over every reconcile since valed started, for the metrics endpoint.
public struct ReconcileTotals: Sendable, Equatable {
    public var reconciles = 0
    /// Steps that failed, summed over all reconciles.
    public var failedSteps = 0
    public init() {}
}
