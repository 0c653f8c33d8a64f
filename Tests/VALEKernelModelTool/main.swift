// vale-kernel-model: drives a file-backed VALEKernelModel from the command
// line, so tests can act as a second process (a VM holding a port, another
// valed) and inspect the "kernel" state a killed process left behind.
//
//   vale-kernel-model init STATE [NIC...]      create STATE with these NICs
//   vale-kernel-model show STATE               print the state as JSON
//   vale-kernel-model list STATE               VALE_LIST enumeration, vale-ctl style
//   vale-kernel-model attach STATE NAME [host] VALE_ATTACH (host: with host stack)
//   vale-kernel-model detach STATE NAME        VALE_DETACH
//   vale-kernel-model newif STATE NAME         VALE_NEWIF
//   vale-kernel-model delif STATE NAME         VALE_DELIF
//   vale-kernel-model hold STATE NAME          REGISTER NAME and sleep until killed
//
// Exit status 0 on success, 1 with the NetmapError sentence on stderr, 2 on usage errors.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetmapKit
import VALEKernelModel

func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fail("usage: vale-kernel-model init|show|list|attach|detach|newif|delif|hold STATE [NAME]", status: 2) }
let command = arguments[0], stateFile = arguments[1]

do {
    switch command {
    case "init":
        _ = VALEKernelModel(stateFile: stateFile, nics: Array(arguments.dropFirst(2)))
    case "show":
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(VALEKernelModel.readState(stateFile: stateFile)), as: UTF8.self))
    default:
        let control = try NetmapControl(systemCalls: VALEKernelModel(stateFile: stateFile))
        let name = arguments.count > 2 ? arguments[2] : ""
        switch command {
        case "list":
            for entry in try control.list() { print("\(entry.name) bridge_idx \(entry.bridgeIndex) port_idx \(entry.portIndex)") }
        case "attach": print("port_index: \(try control.attach(name, hostStack: arguments.count > 3 && arguments[3] == "host"))")
        case "detach": print("port_index: \(try control.detach(name))")
        case "newif": _ = try control.newInterface(name)
        case "delif": try control.deleteInterface(name)
        case "hold":
            _ = try control.register(name)
            print("holding \(name)")
            fflush(nil)
            while true { pause() }
        default: fail("unknown command \(command)", status: 2)
        }
    }
} catch {
    fail("\(error)")
}
