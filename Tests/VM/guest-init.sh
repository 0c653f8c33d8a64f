#!/bin/busybox sh
# /init of the VM integration test's guests (see build-initramfs.sh).
# Kernel command line: vm.name=NAME vm.ip=ADDRESS/PREFIX vm.lifetime=SECONDS
# (the guest powers itself off after that long, whatever the host does).
# Brings up eth0, then serves the host on the second serial port (ttyS1):
# each line "N COMMAND" runs COMMAND with sh and answers
#   @@BEGIN N / its output / @@END N STATUS
# The console (ttyS0) gets the kernel log and these "vm:" lines.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

name=guest ip= lifetime=600
for arg in $(cat /proc/cmdline); do
  case $arg in
    vm.name=*) name=${arg#vm.name=} ;;
    vm.ip=*)   ip=${arg#vm.ip=} ;;
    vm.lifetime=*) lifetime=${arg#vm.lifetime=} ;;
  esac
done
hostname "$name"
(sleep "$lifetime"; echo "vm: $name lifetime of $lifetime s is over"; poweroff -f) &
for m in $(cat /modules/order); do
  insmod "/modules/$m.ko" || echo "vm: insmod $m failed"
done
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
ip addr add "$ip" dev eth0
ip link set eth0 up
echo "vm: $name eth0 $(cat /sys/class/net/eth0/address) $ip"

# The command loop runs in a child of this shell, not in PID 1: orphans
# (the host's background jobs) are reparented to PID 1, and a SIGCHLD that
# reaches busybox's `read` in the middle of a line makes it start the line
# again, losing what it had read ("9 timeout ..." read as " timeout ...").
# A line without a number is answered with "@@BAD" instead of being run.
serve() {
  echo "@@READY $name"
  while IFS= read -r line; do
    n=${line%% *}
    case $n in
      ''|*[!0-9]*) echo "@@BAD $line"; continue ;;
    esac
    command=${line#* }
    sh -c "$command" </dev/null >/tmp/.agent-out 2>&1
    status=$?
    echo "@@BEGIN $n"
    cat /tmp/.agent-out
    echo "@@END $n $status"
  done
}
stty -F /dev/ttyS1 raw -echo
serve </dev/ttyS1 >/dev/ttyS1 2>&1 &
server=$!
# PID 1 reaps the orphans meanwhile; `wait` returns when the loop ends.
while kill -0 "$server" 2>/dev/null; do wait "$server" || sleep 0.2; done
echo "vm: $name command channel closed" >/dev/console
poweroff -f
