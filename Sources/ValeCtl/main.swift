import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Our own entry point instead of ValeCtl.main(): argument-parser exits 64
// on usage errors, valectl's contract is 2 (and 1, 3 for the rest).
do {
    var command = try ValeCtl.parseAsRoot(GlobalArguments.normalized(Array(CommandLine.arguments.dropFirst())))
    try command.run()
    exit(CtlExitCode.success.rawValue)
} catch let failure as CtlFailure {
    if let json = failure.json, CommandLine.arguments.contains("--json") {
        Output.write(json + "\n")
    }
    Output.writeError("valectl: \(failure.message)")
    exit(failure.code.rawValue)
} catch {
    if ValeCtl.exitCode(for: error) == .validationFailure {
        Output.writeError(ValeCtl.fullMessage(for: error))
        exit(CtlExitCode.usage.rawValue)
    }
    ValeCtl.exit(withError: error)
}
