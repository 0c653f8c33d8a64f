#!/usr/bin/env bash
# Runs valed's whole test suite: installs what it needs (Debian packages),
# builds, and runs every test target, then a short soak (scripts/soak.sh,
# docs/soak.md) and the Debian package check (Tests/Package/check.sh).
# Exits non-zero on any failure.
# Tests that need a kernel feature this machine lacks print why they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
# swift test's own status (not tee's); set +e so a failure still reaches the soak.
set +e
swift test --skip-build 2>&1 | tee .build/test-output.txt
status=${PIPESTATUS[0]}
set -e
# Short soak (docs/soak.md) with the build products built above, about two
# minutes: 1.5 on the userspace datapath (root: network namespaces), 0.5 on
# the kernel model.
# Runs even when swift test failed, and never masks its status.
soak=0
if [[ $(id -u) == 0 ]]; then
  bin=$(swift build --show-bin-path) || bin=.build/debug
  bash scripts/soak.sh --bin "$bin" --minutes "${SOAK_MINUTES:-1.5}" --datapath userspace ${SOAK_SEED:+--seed "$SOAK_SEED"} || soak=$?
  bash scripts/soak.sh --bin "$bin" --minutes "${SOAK_MODEL_MINUTES:-0.5}" --datapath model ${SOAK_SEED:+--seed "$SOAK_SEED"} || soak=$?
else
  echo "test.sh: soak skipped (needs root for network namespaces)"
fi
# The Debian package (docs/packaging.md): release build, lintian, install
# with apt-get, run, purge, nothing left behind. VALED_SKIP_PACKAGE=1 skips
# it (it adds a release build, several minutes).
package=0
if [[ -z "${VALED_SKIP_PACKAGE:-}" ]]; then
  bash Tests/Package/check.sh || package=$?
else
  echo "test.sh: package check skipped (VALED_SKIP_PACKAGE is set)"
fi
if ((status != 0)); then exit "$status"; fi
if ((soak != 0)); then exit "$soak"; fi
exit "$package"
