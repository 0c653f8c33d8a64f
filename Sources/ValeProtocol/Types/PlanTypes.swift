/// Progress of a plan step.
public enum StepStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Computed but not run (dry run, or after a failed step).
    case planned
    case applied
    case failed
    /// Not needed after all (the state was already right when reached).
    case skipped
}

/// One step of a plan (`PlanStep`).
public struct PlanStep: Sendable, Hashable, Codable {
    public var index: Int
    /// e.g. `attach`, `detach`, `create-port`, `delete-port`, `set-vnet-header`.
    public var action: String
    /// The object the step acts on, e.g. `vale0:eth0`.
    public var object: String
    public var description: String
    public var status: StepStatus
    /// Why the step failed.
    public var error: String?

    public init(index: Int, action: String, object: String, description: String, status: StepStatus, error: String? = nil) {
        self.index = index
        self.action = action
        self.object = object
        self.description = description
        self.status = status
        self.error = error
    }
}

/// Reply of `io.valed.Apply`, `Reload`, `Teardown` and `ModuleReload`.
/// When a step failed the reply is still a reply (not an error), so the
/// client can show what was applied and what not; valectl exits 1.
public struct PlanReply: Sendable, Hashable, Codable {
    /// True when nothing was changed on purpose.
    public var dryRun: Bool
    /// True when at least one step was applied.
    public var changed: Bool
    public var steps: [PlanStep]
    /// A sentence summing up, e.g. "applied 3 steps; vale0 is as configured".
    public var message: String

    public init(dryRun: Bool = false, changed: Bool, steps: [PlanStep], message: String) {
        self.dryRun = dryRun
        self.changed = changed
        self.steps = steps
        self.message = message
    }

    /// True when a step failed.
    public var hasFailure: Bool { steps.contains { $0.status == .failed } }
}

/// Parameters of `io.valed.Apply`.
public struct ApplyParameters: Sendable, Hashable, Codable {
    /// The configuration, as YAML text.
    public var config: String
    /// Return the plan without changing anything.
    public var dryRun: Bool
    /// The name problems are reported under (`PATH:LINE:COLUMN: reason`): the
    /// path as the user gave it, `<stdin>`; valed says `<apply>` when absent.
    public var fileName: String?

    public init(config: String, dryRun: Bool = false, fileName: String? = nil) {
        self.config = config
        self.dryRun = dryRun
        self.fileName = fileName
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        config = try container.decode(String.self, forKey: .config)
        dryRun = try container.decode(Bool.self, forKey: .dryRun, default: false)
        fileName = try container.decodeIfPresent(String.self, forKey: .fileName)
    }
}

/// Reply of `io.valed.ShowConfig`.
public struct ShowConfigReply: Sendable, Hashable, Codable {
    /// The configuration file valed reads at start and on reload.
    public var path: String
    /// The desired state (file plus runtime changes) as YAML.
    public var yaml: String

    public init(path: String, yaml: String) {
        self.path = path
        self.yaml = yaml
    }
}

/// A problem in a configuration (`ConfigProblem`), carried by the
/// `io.valed.ConfigInvalid` error.
public struct ConfigProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String?
    public var line: Int
    public var column: Int
    public var reason: String

    public init(file: String? = nil, line: Int, column: Int, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `file:line:column: reason`, the form compilers use.
    public var description: String { "\(file ?? "<config>"):\(line):\(column): \(reason)" }
}
