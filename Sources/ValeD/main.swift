import ValeDaemon

// Parse and run explicitly: the generic `main()` picks the synchronous entry
// point when called from top-level code in another module.
do {
    var command = try ValedCommand.parseAsRoot()
    if var asyncCommand = command as? any AsyncParsableCommandRunnable {
        try await asyncCommand.runAsync()
    } else {
        try command.run()
    }
} catch {
    ValedCommand.exit(withError: error)
}
