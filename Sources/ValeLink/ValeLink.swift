// ValeLink: see docs/architecture.md
