import Foundation
import Testing
import TestSupport

/// completions/ holds the scripts `valectl --generate-completion-script`
/// prints; this pins them so they are regenerated when commands change.
/// Regenerate with VALED_UPDATE_COMPLETIONS=1 swift test --filter CompletionScriptTests.
@Suite struct CompletionScriptTests {
    static let files = ["bash": "valectl.bash", "zsh": "_valectl", "fish": "valectl.fish"]

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptIsCurrent(_ shell: String) throws {
        let generated = try Shell.run([TestHost.executable("valectl").path, "--generate-completion-script", shell])
        #expect(generated.stdout.contains("valectl"))
        let file = TestHost.repositoryRoot.appendingPathComponent("completions").appendingPathComponent(Self.files[shell]!)
        if ProcessInfo.processInfo.environment["VALED_UPDATE_COMPLETIONS"] == "1" {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try generated.stdout.write(to: file, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOf: file, encoding: .utf8)
        #expect(stored == generated.stdout, "completions/\(Self.files[shell]!) is stale: run VALED_UPDATE_COMPLETIONS=1 swift test --filter CompletionScriptTests")
    }
}
