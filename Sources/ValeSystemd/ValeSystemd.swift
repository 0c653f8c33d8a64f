// ValeSystemd: see docs/architecture.md
