// ValeDaemon: see docs/architecture.md
