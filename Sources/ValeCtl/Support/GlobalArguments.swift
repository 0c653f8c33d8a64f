/// Lets the global options come before the command
/// (`valectl --socket /tmp/v.sock list`) as well as after it:
/// argument-parser only accepts a subcommand's options after its name, so
/// leading global options are moved behind the command's own arguments —
/// before a `--` terminator, if there is one, because everything after it
/// belongs to the program the command runs (`valectl --socket S pipe open
/// p0 --end master -- app`: issue 15 item 3).
enum GlobalArguments {
    static let flags: Set<String> = ["--json"]
    static let options: Set<String> = ["--socket", "--timeout"]

    static func normalized(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if flags.contains(argument) {
                moved.append(argument)
                index += 1
            } else if options.contains(name) && argument.contains("=") {
                moved.append(argument)
                index += 1
            } else if options.contains(argument) && index + 1 < arguments.endIndex {
                moved += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        let rest = Array(arguments[index...])
        // Without a command there is nothing to attach them to; leave the
        // line as it was so argument-parser reports it.
        guard !moved.isEmpty, !rest.isEmpty, !rest[0].hasPrefix("-") else { return arguments }
        if let terminator = rest.firstIndex(of: "--") {
            return Array(rest[..<terminator]) + moved + Array(rest[terminator...])
        }
        return rest + moved
    }
}
