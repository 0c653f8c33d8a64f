#!/usr/bin/env bash
# Boots a real systemd in a container (systemd-nspawn, the host's /usr,
# everything else on tmpfs) with valed's units, sysusers/tmpfiles snippets
# and the built valed/valectl bound in, and checks what issue 6 asks of the
# units under the real thing:
#   - valed.socket listens; the first `valectl status` starts valed (socket activation)
#   - valed.service is active only after READY=1 (Type=notify) and has a STATUS= line
#   - `systemctl reload valed` re-reads the configuration (a new port appears)
#   - `systemctl stop valed.service` leaves switches and ports as they were
#   - a process that stops answering (SIGSTOP) is restarted by the watchdog
#   - the journal holds valed's structured fields
# Prints one PASS/FAIL line per check and exits 1 if any check failed.
#
#   tests/nspawn/run.sh [--bin-dir DIR] [--keep]
#       --bin-dir  where valed and valectl are (default: swift build --show-bin-path)
#       --keep     keep the scratch directory (journal export, results) for inspection
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin_dir=""
keep=no
while (($#)); do
    case "$1" in
        --bin-dir) bin_dir="$2"; shift 2 ;;
        --keep) keep=yes; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n "$bin_dir" ]] || bin_dir="$(cd "$repo" && swift build --show-bin-path)"
for tool in valed valectl; do
    [[ -x "$bin_dir/$tool" ]] || { echo "run.sh: $bin_dir/$tool not built" >&2; exit 2; }
done
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn missing (package systemd-container)"; exit 77; }
[[ "$(id -u)" == 0 ]] || { echo "SKIP: systemd-nspawn needs root"; exit 77; }

scratch="$(mktemp -d /tmp/valed-nspawn.XXXXXX)"
cleanup() { [[ "$keep" == yes ]] && echo "run.sh: kept $scratch" || rm -rf "$scratch"; }
trap cleanup EXIT

units="$scratch/system"     # becomes /etc/systemd/system in the container
mkdir -p "$units/sockets.target.wants" "$units/multi-user.target.wants" "$units/valed.service.d" \
         "$scratch/out" "$scratch/bin" "$scratch/etc-valed"
cp "$repo/systemd/valed.service" "$repo/systemd/valed.socket" "$units/"
ln -s ../valed.socket "$units/sockets.target.wants/valed.socket"
# The units say /usr/local/sbin/valed; the container's /usr is the host's,
# read-only, so the binaries live in /opt/valed and a drop-in points there.
# This is the only change to the units.
printf '[Service]\nExecStart=\nExecStart=/opt/valed/valed\n' > "$units/valed.service.d/50-nspawn-test.conf"
ln -s /dev/null "$units/systemd-firstboot.service"
# An empty /etc is a first boot, when systemd applies presets to every unit
# (Debian's preset enables all): keep valed.service disabled so that only
# the socket can start it.
mkdir -p "$scratch/preset"
printf 'disable valed.service\nenable valed.socket\n' > "$scratch/preset/00-valed-test.preset"
cp "$bin_dir/valed" "$bin_dir/valectl" "$scratch/bin/"
# valed reads its Varlink interface description from the bundle beside it.
for bundle in "$bin_dir"/*.resources; do [[ -d "$bundle" ]] && cp -r "$bundle" "$scratch/bin/"; done

# One switch with one VM port; reload adds a second one.
cat > "$scratch/etc-valed/valed.yaml" <<'YAML'
datapath: userspace
switches:
  vale0:
    ports:
      - port: vm1
YAML

cp "$(dirname "$0")/checks.sh" "$scratch/checks.sh"
cat > "$units/valed-nspawn-checks.service" <<'UNIT'
[Unit]
Description=valed checks under a real systemd
After=multi-user.target valed.socket
[Service]
Type=oneshot
StandardOutput=journal+console
ExecStart=/bin/bash /out/checks.sh
ExecStartPost=/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../valed-nspawn-checks.service "$units/multi-user.target.wants/valed-nspawn-checks.service"
cp "$scratch/checks.sh" "$scratch/out/checks.sh"

swift_runtime=()
for lib in $(ldd "$scratch/bin/valed" | awk '/=> \// {print $3}'); do
    case "$lib" in /usr/*|/lib/*|/lib64/*) ;; *) swift_runtime+=("$(dirname "$lib")") ;; esac
done
binds=()
for dir in $(printf '%s\n' "${swift_runtime[@]}" | sort -u); do binds+=("--bind-ro=$dir"); done

set +e
timeout 300 systemd-nspawn --quiet --volatile=yes --private-network --keep-unit --register=no \
    -D / --machine=valedtest -b \
    --bind="$units:/etc/systemd/system" \
    --bind-ro="$repo/systemd/sysusers.d/valed.conf:/etc/sysusers.d/valed.conf" \
    --bind-ro="$repo/systemd/tmpfiles.d/valed.conf:/etc/tmpfiles.d/valed.conf" \
    --bind="$scratch/etc-valed:/etc/valed" \
    --bind-ro="$scratch/bin:/opt/valed" \
    --bind="$scratch/out:/out" \
    --bind-ro="$scratch/preset:/etc/systemd/system-preset" \
    "${binds[@]}" > "$scratch/console.log" 2>&1
rc=$?
set -e

if [[ ! -f "$scratch/out/results" ]]; then
    echo "FAIL container: no results (systemd-nspawn exited $rc); console:"
    tail -40 "$scratch/console.log"
    exit 1
fi
cat "$scratch/out/results"
passed=$(grep -c '^PASS' "$scratch/out/results" || true)
failed=$(grep -c '^FAIL' "$scratch/out/results" || true)
skipped=$(grep -c '^SKIP' "$scratch/out/results" || true)
echo "$passed passed, $failed failed, $skipped skipped"
[[ "$failed" == 0 && "$passed" -gt 0 ]]
