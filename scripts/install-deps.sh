#!/usr/bin/env bash
# Installs the Debian packages valed needs to build, run and test.
# Idempotent; safe to run on every CI run (apt-get skips what is present).
#   install-deps.sh          everything: build, run, tests, benchmarks, package
#   install-deps.sh --run    only what building and running valed needs
#                            (scripts/run.sh: no QEMU, kernel image or linters)
set -euo pipefail
RUN_PKGS=(
  # build: C libraries behind the shim modules
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libsystemd-dev libkmod-dev
  pkg-config
  # run: what valed and its tests drive or read back
  iproute2 ethtool kmod util-linux procps
)
TEST_PKGS=(
  # integration tests: real systemd in a container, traffic, captures
  systemd systemd-container iperf3 tcpdump tshark iputils-ping python3
  # benchmarks: trafgen for the userspace datapath (Benchmarks/userspace/run.sh)
  netsniff-ng
  # VM integration test (Tests/ValedIntegrationTests/VirtualMachineTests.swift):
  # QEMU (TCG), a Debian kernel for the guests (/boot/vmlinuz-*, its virtio
  # modules) and a static busybox for their initramfs; xz to unpack modules
  qemu-system-x86 linux-image-amd64 busybox-static xz-utils
  # the Debian package and its check (scripts/build-deb.sh, Tests/Package/check.sh)
  dpkg-dev help2man lintian
)
run_only=0
[[ "${1:-}" == --run ]] && run_only=1
PKGS=("${RUN_PKGS[@]}")
((run_only)) || PKGS+=("${TEST_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

((run_only)) && exit 0

# promtool (Debian's `prometheus` package) checks the /metrics page. Installing
# that package would start a Prometheus server through its init script, so
# only promtool is taken out of the downloaded .deb (a static Go binary).
if ! command -v promtool >/dev/null; then
  echo "install-deps: installing promtool from Debian's prometheus package"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null && dpkg-deb -x prometheus_*.deb x) \
    && install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool \
    || echo "install-deps: promtool unavailable; the metrics format check will skip"
  rm -rf "$tmp"
fi

# The Python `varlink` package: the off-the-shelf Varlink client the tests use
# to show valed works without valectl.
if ! python3 -c 'import varlink' 2>/dev/null; then
  echo "install-deps: installing the Python varlink client"
  python3 -m pip install --quiet --disable-pip-version-check 'varlink==31.0.0'
fi
