#!/usr/bin/env bash
# Userspace datapath benchmark (not a test): frames between two network
# namespaces through (a) valed's userspace switch (ValeSwitchBench),
# (b) the Linux bridge, (c) Open vSwitch's userspace datapath
# (datapath_type=netdev) when ovs-vswitchd is installed (Debian's
# openvswitch-switch; not installed by scripts/install-deps.sh).
#
# Row (a) twice: ValeSwitchBench runs the switch in the process that set it
# up; "vale-switchd" is the real forwarding process valed drives since the
# process split (issue 13), started over a state file that holds the switch
# and its two ports (it restores them at start, as after a crash), so the
# ratio before/after the split is measured in the same run.
#
# Generator: trafgen (Debian netsniff-ng) for 64- and 1500-byte frames
# (counted at the receiving veth), iperf3 for TCP, ping for the round trip
# (ping -c 200 -i 0.01: the average RTT in ms, lower is better).
#
# Two offload modes, each a table of its own, measured in the same run:
#   default  the hosts' veth ends keep their default offloads (checksum
#            offload, TSO/GSO): what stock VMs and containers do. The
#            userspace switch carries virtio-net headers (issue 11); Open
#            vSwitch runs with other_config:userspace-tso-enable=true.
#   off      tx checksumming, TSO and GSO off on the hosts (the mode of the
#            measurements before issue 11): every datapath carries whole,
#            checksummed frames.
# The switch runs on CPU 1 and the generators on CPU 0 where the machine
# has two cores ("the switch on its own core"). trafgen forks one sender
# per CPU unless told otherwise (`--cpus`, default: all CPUs); its `--cpu 0`
# is an abbreviation of `--cpus 0`, which means all CPUs, so runs A-H of
# docs/performance.md had a sender on each core: `--cpus 1` under taskset.
#
# Usage: Benchmarks/userspace/run.sh [RUNS] [SECONDS] [MODES]
#   (root; defaults 3 runs of 4 s, MODES "default off")
# BASELINE=/path/to/ValeSwitchBench adds a row for another build of the
# bench (e.g. an older commit's `swift build -c release --product
# ValeSwitchBench`), measured in the same rounds.
set -euo pipefail
RUNS=${1:-3}
SECS=${2:-4}
MODES=${3:-"default off"}
cd "$(dirname "$0")/../.."
[[ $(id -u) == 0 ]] || { echo "run.sh: needs root (namespaces, veth)" >&2; exit 1; }
command -v trafgen >/dev/null || { echo "run.sh: trafgen missing: apt-get install netsniff-ng" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "run.sh: iperf3 missing" >&2; exit 1; }

swift build -c release --product ValeSwitchBench >/dev/null
swift build -c release --product vale-switchd >/dev/null
BENCH=$(swift build -c release --show-bin-path)/ValeSwitchBench
SWITCHD=$(swift build -c release --show-bin-path)/vale-switchd

tag=vsb$$
SW=${tag}s H1=${tag}a H2=${tag}b
OVS_DIR=""
cleanup() {
  set +e
  [[ -n "${SWITCH_PID:-}" ]] && kill "$SWITCH_PID" 2>/dev/null && wait "$SWITCH_PID" 2>/dev/null
  [[ -n "${IPERF_PID:-}" ]] && kill "$IPERF_PID" 2>/dev/null
  if [[ -n "$OVS_DIR" ]]; then
    ip netns exec "$SW" ovs-appctl -t "$OVS_DIR/ovs-vswitchd.ctl" exit 2>/dev/null
    ip netns exec "$SW" ovs-appctl -t "$OVS_DIR/ovsdb-server.ctl" exit 2>/dev/null
    rm -rf "$OVS_DIR"
  fi
  for ns in "$SW" "$H1" "$H2"; do ip netns delete "$ns" 2>/dev/null; done
  rm -f /tmp/$tag-*.cfg
  rm -rf /tmp/$tag-switchd
}
trap cleanup EXIT

for ns in "$SW" "$H1" "$H2"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
n=0
for h in "$H1" "$H2"; do
  n=$((n + 1))
  ip -n "$h" link add eth0 type veth peer name p$n netns "$SW"
  ip -n "$h" link set eth0 up
  ip -n "$SW" link set p$n up
  ip -n "$h" addr add 10.78.0.$n/24 dev eth0
done
# Offloads of the hosts' interfaces for one mode (veth defaults: all on).
set_offloads() { # on|off
  for h in "$H1" "$H2"; do
    ip netns exec "$h" ethtool -K eth0 tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
  done
}
MAC1=$(ip netns exec "$H1" cat /sys/class/net/eth0/address)
MAC2=$(ip netns exec "$H2" cat /sys/class/net/eth0/address)
# Static neighbours: no ARP needed, both directions known from the start.
ip -n "$H1" neigh replace 10.78.0.2 lladdr "$MAC2" dev eth0 nud permanent
ip -n "$H2" neigh replace 10.78.0.1 lladdr "$MAC1" dev eth0 nud permanent

# trafgen frame: Ethernet + IPv4 + UDP to an address nobody owns, so the
# receiver's stack drops it silently after the veth counted it.
make_cfg() { # size-without-FCS file
  local payload=$(( $1 - 42 ))
  cat > "$2" <<CFG
{ eth(da=$MAC2, sa=$MAC1, type=0x0800), ipv4(saddr=10.78.0.1, daddr=10.78.0.99, ttl=1), udp(sp=9, dp=9), fill(0x41, $payload) }
CFG
}
make_cfg 60 /tmp/$tag-64.cfg      # 64 bytes on the wire with the FCS
make_cfg 1514 /tmp/$tag-1500.cfg  # a 1500-byte IP packet

rx_packets() { ip netns exec "$H2" cat /sys/class/net/eth0/statistics/rx_packets; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One trafgen run: prints Mpps received by H2.
frames_run() { # cfg
  ip netns exec "$H1" ping -c 1 -W 1 10.78.0.2 >/dev/null 2>&1 || true  # let a learning switch learn both MACs
  local before after
  before=$(rx_packets)
  ip netns exec "$H1" timeout -s INT "$SECS" $GEN_PIN trafgen -i "$1" -o eth0 --cpus 1 >/dev/null 2>&1 || true
  sleep 0.3
  after=$(rx_packets)
  awk -v a="$after" -v b="$before" -v s="$SECS" 'BEGIN {printf "%.3f\n", (a - b) / s / 1e6}'
}

# Average ping RTT in ms from H1 to H2 through the datapath.
rtt_run() {
  ip netns exec "$H1" ping -c 200 -i 0.01 -q 10.78.0.2 2>/dev/null |
    awk -F'/' '/^rtt|^round-trip/ {printf "%.3f\n", $5; found=1} END {if (!found) print 0}'
}

tcp_run() {
  ip netns exec "$H2" iperf3 -s -1 $AFFINITY >/dev/null 2>&1 &
  IPERF_PID=$!
  sleep 0.5
  ip netns exec "$H1" iperf3 -c 10.78.0.2 -t "$SECS" $AFFINITY -J 2>/dev/null |
    python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' || echo 0
  wait "$IPERF_PID" 2>/dev/null || true
  IPERF_PID=""
}

# Datapaths: each has an up and a down function; rounds rotate through
# them so a change in the machine's load (2 shared cores) hits all alike.
PIN=""
AFFINITY=""
GEN_PIN=""
[[ $(nproc) -ge 2 ]] && PIN="taskset -c 1" && AFFINITY="-A 0" && GEN_PIN="taskset -c 0"
valed_up() { # bench flags...
  valed_bin_up "$BENCH" "$@"
}
valed_bin_up() { # binary flags...
  local bin=$1; shift
  ACCT_START=$(frame_totals)
  ip netns exec "$SW" $PIN "$bin" --seconds 100000 "$@" p1 p2 > /tmp/$tag-bench.out &
  SWITCH_PID=$!
  sleep 1
}
# Frames the hosts sent, delivered and the veths dropped, summed over both
# hosts: "sent delivered dropped".
frame_totals() {
  local sent=0 got=0 lost=0 v
  for h in "$H1" "$H2"; do
    v=/sys/class/net/eth0/statistics
    sent=$((sent + $(ip netns exec "$h" cat $v/tx_packets)))
    got=$((got + $(ip netns exec "$h" cat $v/rx_packets)))
    lost=$((lost + $(ip netns exec "$h" cat $v/rx_dropped) + $(ip netns exec "$h" cat $v/tx_dropped)))
  done
  for p in p1 p2; do
    v=/sys/class/net/$p/statistics
    lost=$((lost + $(ip netns exec "$SW" cat $v/rx_dropped) + $(ip netns exec "$SW" cat $v/tx_dropped)))
  done
  echo "$sent $got $lost"
}
# ValeSwitchBench prints its port counters on SIGTERM. With two ports every
# frame one host sends goes to the other, so over the whole time the switch
# was up: sent = delivered + drops (the switch's and the veths'). ACCT is
# the difference (0 when every frame is accounted for), empty for a
# datapath that prints no counters.
valed_down() {
  kill "$SWITCH_PID"; wait "$SWITCH_PID" 2>/dev/null || true; SWITCH_PID=""
  ACCT=""
  [[ -s /tmp/$tag-bench.out ]] && grep -q rxdrops= /tmp/$tag-bench.out || return 0
  local drops
  drops=$(sed -n 's/.*rxdrops=\([0-9]*\).*txdrops=\([0-9]*\).*/\1 \2/p' /tmp/$tag-bench.out | awk '{s += $1 + $2} END {print s + 0}')
  read -r s0 g0 l0 <<< "$ACCT_START"
  read -r s1 g1 l1 <<< "$(frame_totals)"
  ACCT=$(( (s1 - s0) - (g1 - g0) - (l1 - l0) - drops ))
  rm -f /tmp/$tag-bench.out
}
# vale-switchd restores vs0 with p1 and p2 from its state file (the format of
# docs/forwarder.md), with ValeSwitchBench's tunables; SIGTERM keeps the file.
switchd_up() { # sendmmsg|txring
  local dir=/tmp/$tag-switchd ring=false
  [[ $1 == txring ]] && ring=true
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/switchd.state" <<JSON
{"version": 1, "instanceID": "bench", "restarts": 0,
 "switches": [{"name": "vs0", "config": {"tableSize": 1024, "agingSeconds": 300, "ringMiB": 16, "transmitRing": $ring}}],
 "attachments": [{"switch": "vs0", "interface": "p1", "hostStack": false}, {"switch": "vs0", "interface": "p2", "hostStack": false}],
 "taps": []}
JSON
  ip netns exec "$SW" $PIN "$SWITCHD" --socket "$dir/switchd.sock" --state "$dir/switchd.state" --log-level warning >/dev/null 2>&1 &
  SWITCH_PID=$!
  sleep 1
}
bridge_up() {
  ip -n "$SW" link add br0 type bridge
  ip -n "$SW" link set p1 master br0
  ip -n "$SW" link set p2 master br0
  ip -n "$SW" link set br0 up
  sleep 1
}
bridge_down() { ip -n "$SW" link del br0; }
vsctl() { ip netns exec "$SW" ovs-vsctl --db=unix:"$OVS_DIR/db.sock" "$@"; }
ovs_start() {
  OVS_DIR=$(mktemp -d)
  ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ip netns exec "$SW" ovsdb-server "$OVS_DIR/conf.db" --remote=punix:"$OVS_DIR/db.sock" \
    --unixctl="$OVS_DIR/ovsdb-server.ctl" --pidfile="$OVS_DIR/ovsdb.pid" --detach --no-chdir
  ip netns exec "$SW" ovs-vswitchd unix:"$OVS_DIR/db.sock" --unixctl="$OVS_DIR/ovs-vswitchd.ctl" \
    --pidfile="$OVS_DIR/vswitchd.pid" --detach --no-chdir --log-file="$OVS_DIR/vswitchd.log" 2>/dev/null
  vsctl --no-wait init
  # Userspace TSO (OVS 2.13+): TSO/checksum offload metadata kept across
  # the netdev datapath, the counterpart of valed's virtio-net headers.
  vsctl --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
}
ovs_up() {
  vsctl add-br br0 -- set bridge br0 datapath_type=netdev
  vsctl add-port br0 p1 -- add-port br0 p2
  sleep 2
}
ovs_down() { vsctl del-br br0; sleep 0.5; }

# AF_XDP probe (C, libxdp): the alternative port type, measured without a
# learning table; built when libxdp-dev and libbpf-dev are installed (they
# are not in install-deps).
PROBE=""
if command -v cc >/dev/null && [[ -f /usr/include/xdp/xsk.h ]]; then
  PROBE=$(mktemp -d)/afxdp-probe
  cc -O2 -o "$PROBE" Benchmarks/userspace/afxdp-probe/afxdp_probe.c -lxdp -lbpf || PROBE=""
fi
afxdp_up() {
  ip netns exec "$SW" "$PROBE" 100000 p1 p2 >/dev/null 2>&1 &
  SWITCH_PID=$!
  sleep 1.5
}
afxdp_down() {
  kill -INT "$SWITCH_PID"; wait "$SWITCH_PID" 2>/dev/null || true; SWITCH_PID=""
  ip -n "$SW" link set p1 xdp off 2>/dev/null || true
  ip -n "$SW" link set p2 xdp off 2>/dev/null || true
}

NAMES=("valed userspace, sendmmsg" "valed userspace, PACKET_TX_RING" "Linux bridge" "vale-switchd (the forwarding process), sendmmsg")
UPS=("valed_up --sendmmsg" "valed_up --tx-ring" "bridge_up" "switchd_up sendmmsg")
DOWNS=(valed_down valed_down bridge_down valed_down)
if command -v ovs-vswitchd >/dev/null && command -v ovsdb-server >/dev/null; then
  ovs_start
  NAMES+=("Open vSwitch (datapath_type=netdev)"); UPS+=(ovs_up); DOWNS+=(ovs_down)
  OVS_NOTE=""
else
  OVS_NOTE="Open vSwitch: not installed (apt-get install openvswitch-switch; not in install-deps)"
fi
if [[ -n "${BASELINE:-}" ]]; then
  NAMES+=("valed baseline build ($BASELINE), sendmmsg"); UPS+=("valed_bin_up $BASELINE --sendmmsg"); DOWNS+=(valed_down)
fi
if [[ -n "$PROBE" ]]; then
  NAMES+=("AF_XDP probe (C, no learning, copy mode)"); UPS+=(afxdp_up); DOWNS+=(afxdp_down)
fi

# Idle CPU of the userspace switch: utime + stime ticks in 5 s without traffic.
valed_up --sendmmsg
t0=$(awk '{print $14 + $15}' /proc/"$SWITCH_PID"/stat); sleep 5
t1=$(awk '{print $14 + $15}' /proc/"$SWITCH_PID"/stat)
valed_down
IDLE_NOTE="idle: the userspace switch used $((t1 - t0)) clock ticks ($(getconf CLK_TCK)/s) of CPU in 5 s without traffic"

RESULTS=$(mktemp)
for round in $(seq "$RUNS"); do
  for mode in $MODES; do
    if [[ $mode == default ]]; then set_offloads on; else set_offloads off; fi
    for i in "${!NAMES[@]}"; do
      ${UPS[$i]}
      printf "%s\t%s\t64\t%s\n" "$mode" "$i" "$(frames_run /tmp/$tag-64.cfg)" >> "$RESULTS"
      printf "%s\t%s\t1500\t%s\n" "$mode" "$i" "$(frames_run /tmp/$tag-1500.cfg)" >> "$RESULTS"
      printf "%s\t%s\ttcp\t%s\n" "$mode" "$i" "$(tcp_run)" >> "$RESULTS"
      printf "%s\t%s\trtt\t%s\n" "$mode" "$i" "$(rtt_run)" >> "$RESULTS"
      ACCT=""
      ${DOWNS[$i]}
      [[ -n "$ACCT" ]] && printf "%s\t%s\tacct\t%s\n" "$mode" "$i" "$ACCT" >> "$RESULTS"
    done
  done
done

med() { awk -F'\t' -v m="$1" -v i="$2" -v k="$3" '$1 == m && $2 == i && $3 == k {print $4}' "$RESULTS" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg); $RUNS rounds of ${SECS}s, medians"
BRIDGE=2 # index of the Linux bridge in NAMES
for mode in $MODES; do
  echo
  echo "offloads on the hosts: $mode"
  echo "| datapath | 64B Mpps | 64B Gbit/s | 1500B Mpps | 1500B Gbit/s | TCP Gbit/s | ping RTT ms | 64B ÷ bridge | TCP ÷ bridge | RTT ÷ bridge |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  b64=$(med "$mode" "$BRIDGE" 64); btcp=$(med "$mode" "$BRIDGE" tcp); brtt=$(med "$mode" "$BRIDGE" rtt)
  for i in "${!NAMES[@]}"; do
    m64=$(med "$mode" "$i" 64); m1500=$(med "$mode" "$i" 1500); tcp=$(med "$mode" "$i" tcp); rtt=$(med "$mode" "$i" rtt)
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "${NAMES[$i]}" "$m64" \
      "$(awk -v m="$m64" 'BEGIN {printf "%.3f", m * 64 * 8 / 1000}')" "$m1500" \
      "$(awk -v m="$m1500" 'BEGIN {printf "%.3f", m * 1518 * 8 / 1000}')" "$tcp" "$rtt" \
      "$(ratio "$m64" "$b64")" "$(ratio "$tcp" "$btcp")" "$(ratio "$rtt" "$brtt")"
  done
  echo "(targets of issue 11: TCP ÷ bridge ≥ 0.8 with default offloads, 64B ÷ bridge ≥ 1.0; RTT ÷ bridge: lower is better)"
  for i in "${!NAMES[@]}"; do
    acct=$(awk -F'\t' -v m="$mode" -v i="$i" '$1 == m && $2 == i && $3 == "acct" {printf "%s%s", sep, $4; sep=" "}' "$RESULTS")
    [[ -n "$acct" ]] && echo "drop accounting, ${NAMES[$i]}: frames neither delivered nor counted as a drop, per round: $acct"
  done
  # The TCP column moves with the machine from one round to the next (the
  # bridge alone by up to 1.5x): the ratio of each round's pair, measured
  # minutes apart, shows the spread behind the medians.
  for i in "${!NAMES[@]}"; do
    [[ $i == "$BRIDGE" ]] && continue
    per=$(awk -F'\t' -v m="$mode" -v i="$i" -v b="$BRIDGE" '$1 == m && $3 == "tcp" && $2 == b {bt[++nb] = $4}
      $1 == m && $3 == "tcp" && $2 == i {st[++ns] = $4}
      END {for (k = 1; k <= ns && k <= nb; k++) printf "%s%s", (k > 1 ? " " : ""), (bt[k] > 0 ? sprintf("%.2f", st[k] / bt[k]) : "-")}' "$RESULTS")
    echo "TCP ÷ bridge per round, ${NAMES[$i]}: $per"
  done
  [[ $mode == default ]] && echo "(with default offloads the transmit ring segments each super-frame in the switch: the host counts the segments, so that row's difference is negative; sendmmsg forwards them whole)"
done
[[ -n "$OVS_NOTE" ]] && echo "$OVS_NOTE"
echo "$IDLE_NOTE"
rm -f "$RESULTS"
