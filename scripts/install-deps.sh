#!/usr/bin/env bash
# Installs the Debian packages valed needs to build, run and test.
# Idempotent; safe to run on every CI run (apt-get skips what is present).
set -euo pipefail
PKGS=(
  # build: C libraries behind the shim modules
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libsystemd-dev libkmod-dev
  pkg-config
  # run: what valed and its tests drive or read back
  iproute2 ethtool kmod util-linux procps
  # integration tests: real systemd in a container, traffic, captures
  systemd systemd-container iperf3 tcpdump tshark iputils-ping python3
  # benchmarks: trafgen for the userspace datapath (Benchmarks/userspace/run.sh)
  netsniff-ng
  # VM integration test (Tests/ValedIntegrationTests/VirtualMachineTests.swift):
  # QEMU (TCG), a Debian kernel for the guests (/boot/vmlinuz-*, its virtio
  # modules) and a static busybox for their initramfs; xz to unpack modules
  qemu-system-x86 linux-image-amd64 busybox-static xz-utils
)
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

# The Python `varlink` package: the off-the-shelf Varlink client the tests use
# to show valed works without valectl.
if ! python3 -c 'import varlink' 2>/dev/null; then
  echo "install-deps: installing the Python varlink client"
  python3 -m pip install --quiet --disable-pip-version-check 'varlink==31.0.0'
fi
