#!/usr/bin/env bash
# Runs valed's whole test suite: installs what it needs (Debian packages),
# builds, and runs every test target. Exits non-zero on any failure.
# Tests that need a kernel feature this machine lacks print why they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt
exit "${PIPESTATUS[0]}"
