#!/bin/bash
# Issue 13 under a real systemd: the userspace datapath forwards in
# vale-switchd.service, which outlives valed. Sourced by checks.sh (inside the
# container booted by Tests/Nspawn/run.sh) after its own checks; uses its
# pass/fail/check/prop/state_is/wait_for helpers and writes to the same
# /out/results.
#
#   - both units verify (systemd-analyze verify) and expose <= 3.0
#     (systemd-analyze security; both numbers printed)
#   - valed.service runs `valed --forwarder external` and wants
#     vale-switchd.service, which runs (Type=notify) from the first start on
#   - two namespaces ping each other every 10 ms through vale0 (two veth
#     ports): `systemctl restart valed` loses 0 replies and leaves
#     vale-switchd's process alone (lost count printed)
#   - `systemctl kill -s KILL vale-switchd`: systemd restarts it and traffic
#     comes back (longest gap between replies and lost count printed, with
#     whether it is within issue 13's 1 s; not asserted: no timed checks)
#   - `valectl teardown` stops vale-switchd, which stays stopped
#   - vale-switchd's log shows nothing refused by the sandbox

forwarder_checks() {
    local switchd=vale-switchd.service
    # The watchdog checks leave a drop-in that shortens valed's timeouts;
    # these checks want the units as installed.
    rm -rf /run/systemd/system/valed.service.d
    systemctl daemon-reload
    systemctl restart valed.service
    wait_for 30 state_is valed.service active

    check "vale-switchd.service loaded from /usr/local/lib/systemd/system" \
        prop_is $switchd FragmentPath /usr/local/lib/systemd/system/vale-switchd.service
    local verify
    if verify="$(systemd-analyze verify --man=no /usr/local/lib/systemd/system/vale-switchd.service \
                 /usr/local/lib/systemd/system/valed.service 2>&1)" && [[ -z "$verify" ]]; then
        pass "systemd-analyze verify vale-switchd.service valed.service: clean"
    else
        fail "systemd-analyze verify vale-switchd.service valed.service" "$(echo "$verify" | head -3 | tr '\n' ' ')"
    fi
    local unit exposure
    for unit in $switchd valed.service; do
        exposure="$(systemd-analyze security --no-pager "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
        if [[ -n "$exposure" ]] && (( $(echo "$exposure" | tr -d .) <= 30 )); then
            pass "systemd-analyze security $unit: exposure $exposure (<= 3.0)"
        else
            fail "systemd-analyze security $unit" "exposure '${exposure:-none}' is not <= 3.0"
        fi
    done

    check "valed.service wants vale-switchd.service" sh -c "systemctl show -P Wants valed.service | grep -qw $switchd"
    check "valed.service is ordered after vale-switchd.service" sh -c "systemctl show -P After valed.service | grep -qw $switchd"
    check "no PartOf/BindsTo/Requires between valed and vale-switchd" sh -c \
        "! systemctl show -P PartOf -P BindsTo -P Requires $switchd valed.service | grep -qE 'valed.service|vale-switchd.service'"
    check "valed runs with --forwarder external" sh -c "systemctl show -P ExecStart valed.service | grep -q -- '--forwarder external'"
    check "vale-switchd.service active (READY=1) with valed" wait_for 30 state_is $switchd active
    local pid
    for pid in $(pidof vale-switchd); do
        if grep -q '/vale-switchd.service$' "/proc/$pid/cgroup"; then
            pass "vale-switchd (pid $pid) runs in vale-switchd.service's cgroup, not valed's"
        else
            fail "vale-switchd (pid $pid) runs in vale-switchd.service's cgroup" "$(cat "/proc/$pid/cgroup")"
        fi
    done

    # Two namespaces, one veth each into the container's namespace, where
    # vale0 switches between the two ends.
    local ns
    for ns in 1 2; do
        ip netns add "fwd$ns"
        ip link add "fwd${ns}p" type veth peer name eth0 netns "fwd$ns"
        ip -n "fwd$ns" addr add "10.13.0.$ns/24" dev eth0
        ip -n "fwd$ns" link set lo up
        ip -n "fwd$ns" link set eth0 up
        ip link set "fwd${ns}p" up
    done
    check "valectl attach vale0:fwd1p" "$valectl" attach vale0:fwd1p
    check "valectl attach vale0:fwd2p" "$valectl" attach vale0:fwd2p
    if ! wait_for 20 ip netns exec fwd1 ping -c 1 -W 1 10.13.0.2; then
        fail "ping between the namespaces through vale0" "no reply in 20 s; the traffic checks are skipped"
        "$valectl" list > /out/forwarder-list.txt 2>&1
        return
    fi
    pass "ping between the namespaces through vale0"

    # ping_during LABEL ACTION...: 300 pings 10 ms apart; ACTION runs 1 s in.
    # Leaves lost= (replies missing) and gap_ms= (longest time between two
    # consecutive replies) behind.
    local lost gap_ms
    ping_during() {
        local label="$1"; shift
        ip netns exec fwd1 ping -D -n -i 0.01 -c 300 -W 1 10.13.0.2 > "/out/ping-$label.txt" 2>&1 &
        local ping_pid=$!
        sleep 1
        "$@" >> "/out/ping-$label.action" 2>&1
        wait "$ping_pid"
        local received=0 last=0 now longest=0 line stamp
        while IFS= read -r line; do
            [[ "$line" == \[*"bytes from"* ]] || continue
            received=$((received + 1))
            stamp="${line#[}"; stamp="${stamp%%]*}"
            now=$(( 10#${stamp%.*} * 1000000 + 10#${stamp#*.} ))
            (( last > 0 && now - last > longest )) && longest=$(( now - last ))
            last=$now
        done < "/out/ping-$label.txt"
        lost=$(( 300 - received ))
        gap_ms=$(( longest / 1000 ))
    }

    # 1. Restarting valed leaves the forwarder and its ports alone: 0 lost.
    local switchd_pid switchd_restarts valed_pid
    switchd_pid="$(prop $switchd MainPID)"
    switchd_restarts="$(prop $switchd NRestarts)"
    valed_pid="$(prop valed.service MainPID)"
    ping_during restart-valed systemctl restart valed.service
    if [[ "$lost" == 0 ]]; then
        pass "systemctl restart valed: 0 of 300 pings lost (longest gap ${gap_ms} ms)"
    else
        fail "systemctl restart valed: 0 of 300 pings lost" "$lost lost, longest gap ${gap_ms} ms"
    fi
    check "valed restarted (new pid)" prop_is_not valed.service MainPID "$valed_pid"
    check "vale-switchd kept its process across the valed restart" prop_is $switchd MainPID "$switchd_pid"
    check "vale-switchd was not restarted by the valed restart" prop_is $switchd NRestarts "$switchd_restarts"
    check "valed active again after its restart" wait_for 30 state_is valed.service active

    # 2. A crash of the forwarder: systemd restarts it, it restores its ports.
    switchd_pid="$(prop $switchd MainPID)"
    ping_during kill-switchd systemctl kill -s KILL $switchd
    check "systemd restarted vale-switchd after SIGKILL" sh -c \
        "[ \"\$(systemctl show -P NRestarts $switchd)\" -gt $switchd_restarts ] && \
         [ \"\$(systemctl show -P MainPID $switchd)\" != $switchd_pid ]"
    check "vale-switchd active again after SIGKILL" wait_for 10 state_is $switchd active
    # Recovery is asserted (traffic flows again); its duration is measured
    # and printed, not asserted: a timed check failed once on a loaded
    # 2-core machine (1275 ms). Benchmarks/forwarder/restart.py measures it
    # on a quiet one (docs/performance.md, run H: 112-120 ms).
    local within="within issue 13's 1 s"
    (( gap_ms < 1000 )) || within="OVER issue 13's 1 s (a loaded machine? see Benchmarks/forwarder/restart.py)"
    if ip netns exec fwd1 ping -n -c 5 -i 0.2 -W 2 10.13.0.2 > /out/ping-after-kill.txt 2>&1; then
        pass "kill -9 of vale-switchd: traffic back; longest gap ${gap_ms} ms, $within ($lost of 300 pings lost)"
    else
        fail "kill -9 of vale-switchd: traffic back" "no reply after the restart; longest gap ${gap_ms} ms, $lost of 300 pings lost"
    fi
    check "valed still active after the forwarder's crash" state_is valed.service active
    "$valectl" status > /out/forwarder-status.txt 2>&1
    check "valectl status shows the forwarder" grep -qi 'forwarder' /out/forwarder-status.txt

    # 3. Teardown stops the forwarding process for good (exit 0: no restart).
    check "valectl teardown" "$valectl" teardown
    check "vale-switchd.service inactive after teardown" wait_for 15 state_is $switchd inactive
    sleep 1
    check "vale-switchd stays stopped after teardown" state_is $switchd inactive
    check "no vale-switchd process after teardown" sh -c '! pidof vale-switchd'

    journalctl -u $switchd -o cat --no-pager > /out/vale-switchd.log 2>&1
    if grep -aE 'Operation not permitted|Permission denied|not supported by protocol|\(EPERM\)|\(EACCES\)|\(EAFNOSUPPORT\)' \
            /out/vale-switchd.log > /out/switchd-eperm.txt; then
        fail "no EPERM/EACCES/EAFNOSUPPORT from the sandbox in vale-switchd's log" "$(head -3 /out/switchd-eperm.txt | tr '\n' ' ')"
    else
        pass "no EPERM/EACCES/EAFNOSUPPORT from the sandbox in vale-switchd's log"
    fi
    systemctl show $switchd > /out/vale-switchd.service.show
    for ns in 1 2; do ip netns del "fwd$ns" 2>/dev/null; done
}
forwarder_checks
