// NetmapKit: see docs/architecture.md
