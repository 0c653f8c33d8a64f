#!/usr/bin/env bash
# Installs valed and runs it: the one command of the README.
#
#   bash scripts/run.sh [CONFIG]        (as root)
#
# 1. installs the Debian packages valed needs (scripts/install-deps.sh),
# 2. builds and installs valed, valectl, units and assets (scripts/install.sh),
# 3. runs valed with CONFIG, else /etc/valed/valed.yaml (the installer puts the
#    demo there when there is none: one switch, vale0, with two VM ports),
#    as a systemd service where systemd runs, else as a background process,
# 4. shows `valectl status` and `valectl list`.
#
# Where /dev/netmap is absent valed runs its userspace switch, so this works
# on any Linux host. Stop it with `systemctl stop valed` or
# `kill $(cat /run/valed/valed.pid)`; stopping detaches nothing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[[ "$(id -u)" == 0 ]] || { echo "run.sh: needs root (it installs packages and manages network interfaces)" >&2; exit 1; }

bash "$repo/scripts/install-deps.sh" --run
bash "$repo/scripts/install.sh"

config="${1:-/etc/valed/valed.yaml}"
[[ -f "$config" ]] || { echo "run.sh: no configuration at $config" >&2; exit 1; }
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
export PATH="/usr/local/sbin:/usr/local/bin:$PATH"

if [[ -d /run/systemd/system && "$config" == /etc/valed/valed.yaml ]]; then
    systemctl enable --now valed.socket
    systemctl restart valed.service
else
    mkdir -p /run/valed /var/lib/valed
    if [[ -f /run/valed/valed.pid ]] && kill -0 "$(cat /run/valed/valed.pid)" 2>/dev/null; then
        echo "run.sh: stopping the valed started earlier (pid $(cat /run/valed/valed.pid)); its ports stay"
        kill "$(cat /run/valed/valed.pid)"
        while kill -0 "$(cat /run/valed/valed.pid)" 2>/dev/null; do sleep 0.1; done
    fi
    nohup valed --config "$config" >>/var/log/valed.log 2>&1 &
    echo $! > /run/valed/valed.pid
    for _ in $(seq 100); do [[ -S /run/valed/valed.sock ]] && break; sleep 0.1; done
    echo "run.sh: valed runs as pid $(cat /run/valed/valed.pid); its log is /var/log/valed.log"
fi
valectl status
echo
valectl list
