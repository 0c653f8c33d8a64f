#!/usr/bin/env bash
# Builds valed_<version>_<arch>.deb with dpkg-deb: a release build of valed,
# valectl and vale-switchd (Swift runtime linked statically), staged by scripts/install.sh
# with PREFIX=/usr, plus man pages made by help2man from --help, the
# maintainer scripts in packaging/debian/ and dependencies from dpkg-shlibdeps.
#
#   scripts/build-deb.sh [--bin-dir DIR] [--out DIR]
#
# --bin-dir takes already built release binaries (skips `swift build`);
# the .deb goes to --out (default: the repository root). Needs dpkg-dev
# and help2man; no fakeroot (dpkg-deb --root-owner-group sets ownership).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir=""
out="$repo"
while (($#)); do
    case "$1" in
        --bin-dir) bin_dir="${2:?--bin-dir needs a directory}"; shift 2 ;;
        --out) out="${2:?--out needs a directory}"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-deb.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in dpkg-deb dpkg-shlibdeps help2man; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is missing (apt-get install dpkg-dev help2man)" >&2; exit 1; }
done

version="$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' "$repo/Sources/ValeProtocol/Version.swift")"
arch="$(dpkg --print-architecture)"
if [[ -z "$bin_dir" ]]; then
    echo "build-deb.sh: release build (swift build -c release --static-swift-stdlib)"
    (cd "$repo" && swift build -c release --static-swift-stdlib --product valed \
                && swift build -c release --static-swift-stdlib --product valectl \
                && swift build -c release --static-swift-stdlib --product vale-switchd)
    bin_dir="$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/valed"

# 1. The files, as scripts/install.sh lays them out under /usr.
DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc bash "$repo/scripts/install.sh" --bin-dir "$bin_dir" >/dev/null
rm "$stage/usr/share/valed/install-manifest"            # dpkg keeps its own list
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/sbin/valed" "$stage/usr/bin/valectl" \
    "$stage/usr/sbin/vale-switchd"
# Debian 12 keeps units, udev rules and modprobe.d in /lib (the usr-merge moratorium).
mkdir -p "$stage/lib/systemd" "$stage/lib/udev/rules.d" "$stage/lib/modprobe.d"
mv "$stage/usr/lib/systemd/system" "$stage/lib/systemd/system"
rmdir "$stage/usr/lib/systemd"
mv "$stage/etc/udev/rules.d/60-valed-netmap.rules" "$stage/lib/udev/rules.d/"
mv "$stage/etc/modprobe.d/valed-netmap.conf" "$stage/lib/modprobe.d/"
rmdir "$stage/etc/udev/rules.d" "$stage/etc/udev" "$stage/etc/modprobe.d"
sed -i 's#/usr/local/#/usr/#g' "$stage/lib/systemd/system/valed.service" "$stage/lib/systemd/system/valed.socket" \
    "$stage/lib/systemd/system/vale-switchd.service"
chmod 0644 "$stage/etc/valed/valed.yaml"

# 2. Man pages from --help (help2man runs the staged binaries).
mkdir -p "$stage/usr/share/man/man8" "$stage/usr/share/man/man1"
help2man --no-info --section=8 --name="manage netmap VALE software switches" --version-string="$version" \
    "$stage/usr/sbin/valed" | gzip -9n > "$stage/usr/share/man/man8/valed.8.gz"
help2man --no-info --section=8 --name="forwarding process of valed's userspace switches" --version-string="$version" \
    "$stage/usr/sbin/vale-switchd" | gzip -9n > "$stage/usr/share/man/man8/vale-switchd.8.gz"
help2man --no-info --section=1 --name="control valed, the VALE switch daemon" --version-string="$version" \
    "$stage/usr/bin/valectl" | gzip -9n > "$stage/usr/share/man/man1/valectl.1.gz"

# 3. Debian's documentation files.
doc="$stage/usr/share/doc/valed"
install -m 0644 "$repo/packaging/debian/copyright" "$doc/copyright"
# A native package (no Debian revision): the changelog is changelog.gz.
sed "s/@VERSION@/$version/; s/@DATE@/$(date -R -d "@$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)")/" \
    "$repo/packaging/debian/changelog" | gzip -9n > "$doc/changelog.gz"
# bash-completion sources its files: no #! line.
sed -i '1{/^#!/d}' "$stage/usr/share/bash-completion/completions/valectl"
install -D -m 0644 "$repo/packaging/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/valed"
find "$stage" -type d -exec chmod 0755 {} +

# 4. Control files: dependencies from the binaries' ELF needs.
mkdir -p "$stage/DEBIAN" "$work/debian"
echo "Source: valed" > "$work/debian/control"
depends="$(cd "$work" && dpkg-shlibdeps -O "$stage/usr/sbin/valed" "$stage/usr/bin/valectl" "$stage/usr/sbin/vale-switchd" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
sed "s/@VERSION@/$version/; s/@ARCH@/$arch/; s/@DEPENDS@/$depends/; s/@SIZE@/$size/" \
    "$repo/packaging/debian/control" > "$stage/DEBIAN/control"
for script in postinst prerm postrm; do
    install -m 0755 "$repo/packaging/debian/$script" "$stage/DEBIAN/$script"
done
(cd "$stage" && find etc -type f | sed 's#^#/#' | sort) > "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/valed_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb.sh: built $deb"
