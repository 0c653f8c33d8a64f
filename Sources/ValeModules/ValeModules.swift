// ValeModules: see docs/architecture.md
