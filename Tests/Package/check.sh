#!/usr/bin/env bash
# Builds the Debian package (unless given one), installs it with apt-get,
# runs valed and valectl (and vale-switchd, the userspace forwarder valed
# spawns), purges it and checks that nothing it installed or created is left
# behind, vale-switchd's process and state file included. Needs root and dpkg; skips with a reason otherwise.
# scripts/test.sh runs it last (VALED_SKIP_PACKAGE=1 skips it there): the release build takes minutes.
#
#   Tests/Package/check.sh [path/to/valed_*.deb]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
skip() { echo "SKIP Tests/Package/check.sh: $*"; exit 0; }
fail() { echo "FAIL Tests/Package/check.sh: $*" >&2; exit 1; }
command -v dpkg >/dev/null && command -v apt-get >/dev/null || skip "dpkg and apt-get are unavailable (not Debian)"
[[ "$(id -u)" == 0 ]] || skip "installing a package needs root"
if dpkg-query -W -f='${Status}' valed 2>/dev/null | grep -q "installed"; then
    skip "a valed package is installed already; this check would remove it"
fi

deb="${1:-}"
if [[ -z "$deb" ]]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    start=$(date +%s)
    bash "$repo/scripts/build-deb.sh" --out "$out"
    echo "check.sh: built in $(( $(date +%s) - start )) s"
    deb="$(ls "$out"/valed_*.deb)"
fi
deb="$(realpath "$deb")"

if command -v lintian >/dev/null; then
    echo "check.sh: lintian (warnings explained in docs/packaging.md)"
    lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "root privileges" || true
fi

before="$(mktemp)"
find /etc /lib /usr /var/lib /run -xdev 2>/dev/null | sort > "$before"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null || fail "apt-get install $deb"
dpkg -L valed | sort > "$before.list"

valed --version | grep -q . || fail "valed --version printed nothing"
valectl --help | grep -q "USAGE" || fail "valectl --help"
man -w valed >/dev/null 2>&1 || [[ -f /usr/share/man/man8/valed.8.gz ]] || fail "no man page for valed"
vale-switchd --version | grep -q . || fail "vale-switchd --version printed nothing"
[[ -f /lib/systemd/system/vale-switchd.service ]] || fail "vale-switchd.service is not installed"
grep -q '^ExecStart=/usr/sbin/vale-switchd$' /lib/systemd/system/vale-switchd.service || fail "vale-switchd.service does not run /usr/sbin/vale-switchd"
grep -q '^ExecStart=/usr/sbin/valed --forwarder external$' /lib/systemd/system/valed.service || fail "valed.service does not run valed --forwarder external"
[[ -f /usr/share/man/man8/vale-switchd.8.gz ]] || fail "no man page for vale-switchd"
getent group valed >/dev/null || fail "systemd-sysusers did not create the group valed"
[[ -d /var/lib/valed ]] || fail "systemd-tmpfiles did not create /var/lib/valed"
[[ -L /etc/systemd/system/sockets.target.wants/valed.socket ]] || fail "valed.socket is not enabled"
# switchd_pids: the processes running the package's vale-switchd.
switchd_pids() {
    local proc
    for proc in /proc/[0-9]*; do
        case "$(readlink "$proc/exe" 2>/dev/null)" in /usr/sbin/vale-switchd*) echo "${proc#/proc/}" ;; esac
    done
}
# Under systemd: valed.service starts vale-switchd.service (Wants=), and
# stopping valed leaves it running.
if [[ -d /run/systemd/system ]]; then
    systemctl start valed.service || fail "systemctl start valed.service"
    systemctl is-active --quiet vale-switchd.service || fail "vale-switchd.service is not running with valed.service"
    systemctl stop valed.service valed.socket
    systemctl is-active --quiet vale-switchd.service || fail "stopping valed.service stopped vale-switchd.service"
    systemctl stop vale-switchd.service
    [[ -z "$(switchd_pids)" ]] || fail "vale-switchd still runs after systemctl stop vale-switchd"
fi
# valed runs from the package (userspace datapath, a private socket), and valectl talks to it.
# Started by hand it spawns /usr/sbin/vale-switchd (--forwarder spawn), which outlives it.
tmp="$(mktemp -d)"
valed --datapath userspace --socket "$tmp/valed.sock" --state-dir /var/lib/valed --control-group root >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -S "$tmp/valed.sock" ]] && break; sleep 0.1; done
VALED_SOCKET="$tmp/valed.sock" valectl status | tee "$tmp/status" | grep -q "datapath" || { cat "$tmp/log"; fail "valectl status"; }
for _ in $(seq 100); do [[ -n "$(switchd_pids)" ]] && break; sleep 0.1; done
[[ -n "$(switchd_pids)" ]] || { cat "$tmp/log"; fail "valed did not start /usr/sbin/vale-switchd"; }
grep -qi "forwarder" "$tmp/status" || fail "valectl status does not show the forwarder: $(cat "$tmp/status")"
switchd="$(switchd_pids)"
kill "$pid"; wait "$pid" || true
[[ "$(switchd_pids)" == "$switchd" ]] || fail "vale-switchd (pid $switchd) did not outlive valed"
[[ -f /run/valed/switchd.state ]] || fail "vale-switchd keeps no /run/valed/switchd.state"
rm -rf "$tmp"

dpkg --purge valed >/dev/null || fail "dpkg --purge valed"
[[ -z "$(switchd_pids)" ]] || fail "vale-switchd (pid $(switchd_pids | tr '\n' ' ')) still runs after purge"
[[ ! -e /run/valed/switchd.state ]] || fail "/run/valed/switchd.state is left after purge"
left=()
while read -r path; do
    [[ "$path" == "/." ]] && continue
    [[ -e "$path" || -L "$path" ]] || continue
    # Directories shared with other packages (/usr/bin, /etc …) stay.
    if [[ -d "$path" ]] && grep -qxF "$path" "$before"; then continue; fi
    if [[ -d "$path" ]] && dpkg -S "$path" >/dev/null 2>&1; then continue; fi
    left+=("$path")
done < "$before.list"
for path in /var/lib/valed /etc/valed /run/valed /etc/systemd/system/sockets.target.wants/valed.socket \
            /var/lib/systemd/deb-systemd-helper-enabled/valed.socket.dsh-also; do
    [[ -e "$path" || -L "$path" ]] && left+=("$path")
done
# Anything new under the watched trees that no package owns.
find /etc /lib /usr /var/lib /run -xdev 2>/dev/null | sort | comm -13 "$before" - | grep -i valed && left+=("(new files above)")
rm -f "$before" "$before.list"
((${#left[@]} == 0)) || fail "left behind after purge: ${left[*]}"
echo "PASS Tests/Package/check.sh: installed, ran (valed and the vale-switchd it spawned), purged; nothing left behind"
