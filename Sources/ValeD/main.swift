import ValeDaemon

await ValedCommand.runMain()
