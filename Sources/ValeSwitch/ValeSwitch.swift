// ValeSwitch: see docs/architecture.md
