#!/usr/bin/env bash
# Builds the initramfs the VM integration test boots its QEMU guests with:
# a static busybox, the virtio-net driver of KERNEL_VERSION with every module
# it depends on (decompressed, in load order), and guest-init.sh as /init.
# Uses only files on this machine (busybox-static, /lib/modules); no network.
#
#   build-initramfs.sh KERNEL_VERSION OUTPUT.cpio
set -euo pipefail
version=${1:?kernel version, e.g. 6.1.0-57-amd64}
output=${2:?output file}
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox)
file "$busybox" 2>/dev/null | grep -q 'dynamically linked' && { echo "busybox at $busybox is not static (install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules}
cp "$busybox" "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# Modules in load order: each module after the ones it depends on
# (modules.dep, read through modinfo so compressed names need no guessing).
order=()
add() {
  local name=$1 path deps d
  for d in "${order[@]:-}"; do [[ $d == "$name" ]] && return 0; done
  path=$(modinfo -k "$version" -n "$name")
  deps=$(modinfo -k "$version" -F depends "$name")
  for d in ${deps//,/ }; do add "$d"; done
  case $path in
    *.ko)     cp "$path" "$root/modules/$name.ko" ;;
    *.ko.xz)  xz -dc "$path" > "$root/modules/$name.ko" ;;
    *.ko.zst) zstd -qdc "$path" > "$root/modules/$name.ko" ;;
    *.ko.gz)  gzip -dc "$path" > "$root/modules/$name.ko" ;;
    *) echo "unexpected module file $path" >&2; exit 1 ;;
  esac
  order+=("$name")
}
# virtio_pci finds the device, virtio_net drives it (it pulls in
# virtio, virtio_ring, failover and net_failover).
for m in virtio_pci virtio_net; do
  modinfo -k "$version" -n "$m" >/dev/null 2>&1 || continue  # built in
  add "$m"
done
printf '%s\n' "${order[@]:-}" > "$root/modules/order"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) > "$output.tmp"
mv "$output.tmp" "$output"
