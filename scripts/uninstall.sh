#!/usr/bin/env bash
# Removes what scripts/install.sh installed, using its manifest
# ($PREFIX/share/valed/install-manifest). Stops and disables the units first
# when systemd runs, and stops vale-switchd (the userspace forwarder).
# Switches and ports in the kernel are left as they are.
# /etc/valed/valed.yaml and /var/lib/valed are kept unless --purge is given.
#
#   sudo scripts/uninstall.sh [--purge]
#   DESTDIR=/tmp/stage scripts/uninstall.sh      (undo a staged install)
#
# Idempotent: running it when nothing is installed does nothing.
set -euo pipefail

DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/usr/local}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
purge=no
while (($#)); do
    case "$1" in
        --purge) purge=yes; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

manifest="$DESTDIR$PREFIX/share/valed/install-manifest"
if [[ ! -f "$manifest" ]]; then
    echo "uninstall.sh: nothing to remove (no $manifest)"
    exit 0
fi
if [[ -z "$DESTDIR" && "$(id -u)" != 0 ]]; then
    echo "uninstall.sh: removing from / needs root" >&2
    exit 1
fi

# stop_switchd: SIGTERM to a vale-switchd running from this installation
# that no service manager runs (valed started by hand spawns it detached).
stop_switchd() {
    local pids="" proc
    for proc in /proc/[0-9]*; do
        if [[ "$(readlink "$proc/exe" 2>/dev/null)" == "$PREFIX/sbin/vale-switchd" ]]; then pids+=" ${proc#/proc/}"; fi
    done
    [[ -n "$pids" ]] || return 0
    echo "uninstall.sh: stopping vale-switchd (pid $pids)"
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 100); do kill -0 $pids 2>/dev/null || return 0; sleep 0.1; done
    echo "uninstall.sh: vale-switchd (pid $pids) did not stop within 10 s" >&2
}

if [[ -z "$DESTDIR" ]]; then
    if [[ -d /run/systemd/system ]]; then
        systemctl disable --now valed.service valed.socket 2>/dev/null || true
        # The forwarding process stops too (SIGTERM: its TAP devices stay, as
        # valed's ports do; --purge removes its state file below).
        systemctl stop vale-switchd.service 2>/dev/null || true
    fi
    stop_switchd
fi

removed=0
while IFS= read -r path; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    if [[ -e "$DESTDIR$path" || -L "$DESTDIR$path" ]]; then
        rm -f "$DESTDIR$path"
        removed=$((removed + 1))
    fi
    # Remove directories the install created, if now empty (never / or $PREFIX itself).
    dir="$(dirname "$DESTDIR$path")"
    while [[ "$dir" != "$DESTDIR" && "$dir" != "$DESTDIR/" && "$dir" != "$DESTDIR$PREFIX" && "$dir" != "$DESTDIR$SYSCONFDIR" ]]; do
        rmdir "$dir" 2>/dev/null || break
        dir="$(dirname "$dir")"
    done
done < "$manifest"

if [[ "$purge" == yes ]]; then
    rm -rf "$DESTDIR$SYSCONFDIR/valed" "$DESTDIR/var/lib/valed"
    # vale-switchd's port set: without it nothing comes back at its next start.
    rm -f "$DESTDIR/run/valed/switchd.state" "$DESTDIR/run/valed/switchd.state.lock" "$DESTDIR/run/valed/switchd.sock"
    echo "uninstall.sh: purged $SYSCONFDIR/valed, /var/lib/valed and /run/valed/switchd.state"
fi

if [[ -z "$DESTDIR" ]]; then
    [[ -d /run/systemd/system ]] && systemctl daemon-reload
    if command -v udevadm >/dev/null && [[ -d /run/udev ]]; then udevadm control --reload || true; fi
fi
echo "uninstall.sh: removed $removed files from ${DESTDIR:-/}"
