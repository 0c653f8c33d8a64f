#!/usr/bin/env bash
# Boots a real systemd in a container (systemd-nspawn, the host's /usr,
# everything else on tmpfs) with valed installed by scripts/install.sh
# (staged, bound in as /usr/local), and checks what issue 6 asks of the
# units under the real thing:
#   - valed.socket listens; the first `valectl status` starts valed (socket activation)
#   - valed.service is active only after READY=1 (Type=notify) and has a STATUS= line
#   - `systemctl reload valed` re-reads the configuration (a new port appears)
#   - `systemctl stop valed.service` leaves switches and ports as they were
#   - a process that stops answering (SIGSTOP) is restarted by the watchdog
#   - a 40-s apply under WatchdogSec=5s is not killed; a wedged engine still is
#   - the journal holds valed's structured fields
# and what issue 13 asks of vale-switchd.service (forwarder-checks.sh): both
# units' security exposure, 0 pings lost across `systemctl restart valed`,
# the gap after a kill -9 of vale-switchd, and teardown stopping it.
# Prints one PASS/FAIL line per check and exits 1 if any check failed.
#
#   Tests/Nspawn/run.sh [--bin-dir DIR] [--keep]
#       --bin-dir  where valed, valectl and vale-switchd are (default: swift build --show-bin-path)
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
for tool in valed valectl vale-switchd; do
    [[ -x "$bin_dir/$tool" ]] || { echo "run.sh: $bin_dir/$tool not built" >&2; exit 2; }
done
command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn missing (package systemd-container)"; exit 77; }
[[ "$(id -u)" == 0 ]] || { echo "SKIP: systemd-nspawn needs root"; exit 77; }

scratch="$(mktemp -d /tmp/valed-nspawn.XXXXXX)"
cleanup() { [[ "$keep" == yes ]] && echo "run.sh: kept $scratch" || rm -rf "$scratch"; }
trap cleanup EXIT

# valed is installed exactly as on a host: scripts/install.sh stages the
# binaries, units, sysusers/tmpfiles snippets, kernel assets and the Varlink
# description into $scratch/stage, whose usr/local becomes the container's
# /usr/local (systemd, sysusers and tmpfiles search /usr/local/lib). The
# units are used unmodified (ExecStart=/usr/local/sbin/valed).
DESTDIR="$scratch/stage" PREFIX=/usr/local bash "$repo/scripts/install.sh" --bin-dir "$bin_dir" > "$scratch/install.log"

units="$scratch/system"     # becomes /etc/systemd/system in the container
mkdir -p "$units/multi-user.target.wants" "$scratch/out" "$scratch/etc-valed" "$scratch/preset"
ln -s /dev/null "$units/systemd-firstboot.service"
# An empty /etc is a first boot, when systemd applies presets to every unit
# (Debian's preset enables all): enable the socket as an admin would and
# keep valed.service disabled, so that only the socket can start it.
printf 'enable valed.socket\ndisable valed.service\n' > "$scratch/preset/00-valed-test.preset"

# One switch with one VM port; reload adds a second one.
cat > "$scratch/etc-valed/valed.yaml" <<'YAML'
datapath: userspace
switches:
  vale0:
    ports:
      - port: vm1
YAML

cp "$(dirname "$0")/checks.sh" "$scratch/checks.sh"
cp "$(dirname "$0")/forwarder-checks.sh" "$scratch/out/forwarder-checks.sh"
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
for lib in $(ldd "$bin_dir/valed" | awk '/=> \// {print $3}'); do
    case "$lib" in /usr/*|/lib/*|/lib64/*) ;; *) swift_runtime+=("$(dirname "$lib")") ;; esac
done
binds=()
for dir in $(printf '%s\n' "${swift_runtime[@]}" | sort -u); do binds+=("--bind-ro=$dir"); done

set +e
timeout 420 systemd-nspawn --quiet --volatile=yes --private-network --keep-unit --register=no \
    -D / --machine=valedtest -b \
    --bind="$units:/etc/systemd/system" \
    --bind-ro="$scratch/stage/usr/local:/usr/local" \
    --bind="$scratch/etc-valed:/etc/valed" \
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
