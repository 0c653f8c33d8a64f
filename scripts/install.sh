#!/usr/bin/env bash
# Builds valed, valectl and vale-switchd (the userspace datapath's forwarding
# process) in release mode and installs them with their systemd units,
# sysusers/tmpfiles snippets, kernel module assets, shell completions,
# documentation and an example configuration.
#
#   sudo scripts/install.sh             build, install, reload systemd/udev
#   sudo scripts/install.sh --enable    ... and enable + start valed.socket and valed.service
#                                       (which starts vale-switchd.service)
#   DESTDIR=/tmp/stage scripts/install.sh --bin-dir .build/release
#                                       stage into a directory (packaging, tests):
#                                       nothing outside DESTDIR is touched
#
# Idempotent: running it again updates binaries, units and assets, and never
# overwrites an existing /etc/valed/valed.yaml. scripts/uninstall.sh undoes it
# using the manifest written to $PREFIX/share/valed/install-manifest.
set -euo pipefail

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'USAGE'
Options:
  --bin-dir DIR   take valed, valectl and vale-switchd from DIR instead of building
  --enable        enable and start valed.socket and valed.service (not with DESTDIR)
  -h, --help      this text
Environment: DESTDIR (staging root, default empty), PREFIX (default /usr/local),
             SYSCONFDIR (default /etc)
USAGE
}

repo="$(cd "$(dirname "$0")/.." && pwd)"
DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/usr/local}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
bin_dir=""
enable=no

while (($#)); do
    case "$1" in
        --bin-dir) bin_dir="${2:?--bin-dir needs a directory}"; shift 2 ;;
        --bin-dir=*) bin_dir="${1#*=}"; shift ;;
        --enable) enable=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [[ -n "$DESTDIR" && "$enable" == yes ]]; then
    echo "install.sh: --enable cannot be used with DESTDIR (a staging directory has no running systemd)" >&2
    exit 2
fi
if [[ -z "$DESTDIR" && "$(id -u)" != 0 ]]; then
    echo "install.sh: installing into / needs root (or set DESTDIR to stage)" >&2
    exit 1
fi

# 1. Binaries.
if [[ -z "$bin_dir" ]]; then
    # The Swift runtime and Foundation are linked statically: the service
    # must not depend on where a Swift toolchain happens to be installed.
    echo "install.sh: building release binaries (swift build -c release --static-swift-stdlib)"
    (cd "$repo" && swift build -c release --static-swift-stdlib --product valed \
                && swift build -c release --static-swift-stdlib --product valectl \
                && swift build -c release --static-swift-stdlib --product vale-switchd)
    bin_dir="$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)"
fi
for tool in valed valectl vale-switchd; do
    if [[ ! -x "$bin_dir/$tool" ]]; then
        echo "install.sh: $bin_dir/$tool is missing or not executable" >&2
        exit 1
    fi
done

manifest_rel="$PREFIX/share/valed/install-manifest"
installed=()

# put MODE SOURCE TARGET: install one file under DESTDIR and record it.
put() {
    install -D -m "$1" "$2" "$DESTDIR$3"
    installed+=("$3")
}

put 0755 "$bin_dir/valed" "$PREFIX/sbin/valed"
put 0755 "$bin_dir/valectl" "$PREFIX/bin/valectl"
# Beside valed: valed started by hand (--forwarder spawn, the default) runs
# the vale-switchd next to its own executable.
put 0755 "$bin_dir/vale-switchd" "$PREFIX/sbin/vale-switchd"
# valed serves its Varlink interface description (org.varlink.service);
# it looks in /usr/local/share/valed and /usr/share/valed.
put 0644 "$repo/Sources/ValeProtocol/io.valed.varlink" "$PREFIX/share/valed/io.valed.varlink"

# 2. systemd units and snippets (in /usr/local/lib so /etc stays the admin's).
unit_dir="$PREFIX/lib/systemd/system"
put 0644 "$repo/systemd/valed.service" "$unit_dir/valed.service"
put 0644 "$repo/systemd/valed.socket" "$unit_dir/valed.socket"
put 0644 "$repo/systemd/vale-switchd.service" "$unit_dir/vale-switchd.service"
put 0644 "$repo/systemd/sysusers.d/valed.conf" "$PREFIX/lib/sysusers.d/valed.conf"
put 0644 "$repo/systemd/tmpfiles.d/valed.conf" "$PREFIX/lib/tmpfiles.d/valed.conf"

# 3. Kernel module assets. libkmod reads modprobe.d only from /etc, /run and
# /lib; udev rules from /etc/udev/rules.d; modules-load.d also from /usr/local/lib.
put 0644 "$repo/kernel/modprobe.d/valed-netmap.conf" "$SYSCONFDIR/modprobe.d/valed-netmap.conf"
put 0644 "$repo/kernel/modules-load.d/valed-netmap.conf" "$PREFIX/lib/modules-load.d/valed-netmap.conf"
put 0644 "$repo/kernel/udev/60-valed-netmap.rules" "$SYSCONFDIR/udev/rules.d/60-valed-netmap.rules"

# 4. Completions, when the completions/ folder has been generated.
completions="$repo/completions"
[[ -f "$completions/valectl.bash" ]] && put 0644 "$completions/valectl.bash" "$PREFIX/share/bash-completion/completions/valectl"
[[ -f "$completions/_valectl" ]] && put 0644 "$completions/_valectl" "$PREFIX/share/zsh/site-functions/_valectl"
[[ -f "$completions/valectl.fish" ]] && put 0644 "$completions/valectl.fish" "$PREFIX/share/fish/vendor_completions.d/valectl.fish"

# 5. Documentation the units point at.
for doc in systemd.md modules.md forwarder.md; do
    [[ -f "$repo/docs/$doc" ]] && put 0644 "$repo/docs/$doc" "$PREFIX/share/doc/valed/$doc"
done
[[ -f "$repo/kernel/drivers.md" ]] && put 0644 "$repo/kernel/drivers.md" "$PREFIX/share/doc/valed/drivers.md"

# 6. A first configuration, only when there is none (the admin's file wins):
# the demo (two VM ports on vale0) works on every host; the commented
# example with NICs goes to the documentation folder.
config="$SYSCONFDIR/valed/valed.yaml"
if [[ -f "$repo/examples/valed.yaml" ]]; then
    if [[ -e "$DESTDIR$config" ]]; then
        echo "install.sh: keeping the existing $config"
    else
        install -D -m 0644 "$repo/examples/demo.yaml" "$DESTDIR$config"
        echo "install.sh: installed the demo configuration to $config (see $PREFIX/share/doc/valed/valed.yaml.example)"
    fi
    put 0644 "$repo/examples/valed.yaml" "$PREFIX/share/doc/valed/valed.yaml.example"
fi

# 7. The manifest scripts/uninstall.sh reads.
mkdir -p "$(dirname "$DESTDIR$manifest_rel")"
{
    echo "# files installed by valed's scripts/install.sh; read by scripts/uninstall.sh"
    printf '%s\n' "${installed[@]}" "$manifest_rel"
} > "$DESTDIR$manifest_rel"

# 8. Tell the running system, only when installing into it.
if [[ -z "$DESTDIR" ]]; then
    command -v systemd-sysusers >/dev/null && systemd-sysusers "$PREFIX/lib/sysusers.d/valed.conf"
    command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create "$PREFIX/lib/tmpfiles.d/valed.conf"
    if command -v udevadm >/dev/null && [[ -d /run/udev ]]; then
        udevadm control --reload || true
        udevadm trigger --subsystem-match=misc --sysname-match=netmap || true
    fi
    if [[ -d /run/systemd/system ]]; then
        systemctl daemon-reload
        if [[ "$enable" == yes ]]; then
            # valed.service wants vale-switchd.service: both start.
            systemctl enable --now valed.socket valed.service
        fi
    elif [[ "$enable" == yes ]]; then
        echo "install.sh: systemd is not running here; start valed by hand: $PREFIX/sbin/valed" >&2
    fi
fi

echo "install.sh: installed ${#installed[@]} files under ${DESTDIR:-/} (manifest: $manifest_rel)"
