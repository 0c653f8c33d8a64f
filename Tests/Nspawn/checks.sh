#!/bin/bash
# Runs inside the container booted by Tests/Nspawn/run.sh, as a oneshot
# service after multi-user.target. Writes PASS/FAIL lines to /out/results.
set -u
out=/out/results
: > "$out"
pass() { echo "PASS $1" >> "$out"; }
fail() { echo "FAIL $1: $2" >> "$out"; }
check() { local name="$1"; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "'$*' failed"; fi; }
prop() { systemctl show -P "$2" "$1"; }
state_is() { test "$(prop "$1" ActiveState)" = "$2"; }
prop_is() { test "$(prop "$1" "$2")" = "$3"; }
prop_is_not() { test "$(prop "$1" "$2")" != "$3"; }
restarts_above() { test "$(prop valed.service NRestarts)" -gt "$1"; }
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (bounded, for state changes).
wait_for() { local n=$(( $1 * 5 )); shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
valectl=/usr/local/bin/valectl

check "units loaded from the installed /usr/local/lib/systemd/system" prop_is valed.service FragmentPath /usr/local/lib/systemd/system/valed.service
check "valed.socket enabled by preset, valed.service not" sh -c '[ "$(systemctl is-enabled valed.socket)" = enabled ] && [ "$(systemctl is-enabled valed.service)" = disabled ]'
check "sysusers created group valed" getent group valed
check "tmpfiles created /var/lib/valed" test -d /var/lib/valed
check "valed.socket is listening" state_is valed.socket active
check "control socket exists" test -S /run/valed/valed.sock
check "socket mode is 0666" test "$(stat -c %a /run/valed/valed.sock)" = 666
check "valed.service not started before the first client" state_is valed.service inactive

# Socket activation: the first client starts valed and gets an answer.
if status_out=$("$valectl" status --timeout 30 2>&1); then
    pass "first valectl status answered through socket activation"
else
    fail "first valectl status answered through socket activation" "$status_out"
fi
echo "$status_out" > /out/status.txt
check "valed.service active after the first client" wait_for 30 state_is valed.service active
# Type=notify: systemd leaves 'activating' only on READY=1; STATUS= is shown.
check "Type=notify service reached active (READY=1 received)" prop_is valed.service Type notify
status_text="$(prop valed.service StatusText)"
if [[ -n "$status_text" ]]; then pass "STATUS= line present ($status_text)"; else fail "STATUS= line present" "StatusText is empty"; fi
check "watchdog armed (WatchdogUSec=30s)" prop_is valed.service WatchdogUSec 30s
check "TAP port vm1 created under the hardened unit" wait_for 20 ip link show vm1
main_pid="$(prop valed.service MainPID)"

# Reload: a second port in the configuration appears; valed keeps its PID.
cat >> /etc/valed/valed.yaml <<'YAML'
      - port: vm2
YAML
check "systemctl reload valed" systemctl reload valed.service
check "reload applied (vm2 exists)" wait_for 30 ip link show vm2
check "reload kept the process" prop_is valed.service MainPID "$main_pid"
check "active again after reload" wait_for 30 state_is valed.service active

# Stop: the dataplane stays; the socket keeps listening; the next client restarts valed.
# Switch, port, kind, owner and state must match; traffic counters restart
# with a new valed on the userspace datapath, so they are not compared.
list_columns() { "$valectl" list "$@" 2>&1 | tr -s ' ' | cut -d' ' -f1-5; }  # no awk: /etc/alternatives is empty under --volatile
list_before="$(list_columns)"
check "systemctl stop valed.service" systemctl stop valed.service
check "valed.service inactive after stop" state_is valed.service inactive
check "vm1 still exists after stop" ip link show vm1
check "vm2 still exists after stop" ip link show vm2
check "socket still listening after stop" state_is valed.socket active
list_after="$(list_columns --timeout 30)"
if [[ -n "$list_before" && "$list_before" == "$list_after" ]]; then
    pass "valectl list identical across stop and re-activation"
else
    fail "valectl list identical across stop and re-activation" "before: $list_before | after: $list_after"
fi
check "re-activated by the next client" state_is valed.service active

# Watchdog: an engine that stops sending WATCHDOG=1 gets valed restarted.
# valed's test-only fault switch (--test-wedge-on-sigusr1) wedges the engine
# on SIGUSR1 while the process keeps running; a valed without the switch is
# frozen with SIGSTOP instead. A runtime drop-in shortens the timeouts.
mkdir -p /run/systemd/system/valed.service.d
if grep -qa -- 'test-wedge-on-sigusr1' /usr/local/sbin/valed; then
    wedge=engine
    printf '[Service]\nWatchdogSec=3s\nTimeoutAbortSec=2s\nExecStart=\nExecStart=/usr/local/sbin/valed --forwarder external --test-wedge-on-sigusr1\n' \
        > /run/systemd/system/valed.service.d/60-watchdog-test.conf
else
    wedge=process
    printf '[Service]\nWatchdogSec=3s\nTimeoutAbortSec=2s\n' > /run/systemd/system/valed.service.d/60-watchdog-test.conf
fi
systemctl daemon-reload
systemctl restart valed.service
old_pid="$(prop valed.service MainPID)"
restarts_before="$(prop valed.service NRestarts)"
if [[ "$wedge" == engine ]]; then kill -USR1 "$old_pid"; else kill -STOP "$old_pid"; fi
if wait_for 60 restarts_above "$restarts_before"; then
    pass "watchdog restarted valed with a wedged $wedge"
else
    fail "watchdog restarted valed with a wedged $wedge" "NRestarts stayed $restarts_before"
    kill -CONT "$old_pid" 2>/dev/null
fi
if [[ "$wedge" == engine ]]; then
    check "valed logged the fault switch" sh -c "journalctl -u valed.service --no-pager | grep -q 'wedging the engine'"
fi
check "valed active again after the watchdog restart" wait_for 30 state_is valed.service active
check "new process after the watchdog restart" prop_is_not valed.service MainPID "$old_pid"
check "journal names the watchdog" sh -c "journalctl -u valed.service --no-pager | grep -q 'Watchdog timeout'"

# Watchdog and a long apply (issue 17): WATCHDOG=1 reports liveness of the
# engine's executor, not the end of the operation it is in. valed's test-only
# --test-delay-apply makes every reload wait 40 s holding the engine's lock
# (as a driver swap does); under WatchdogSec=5s that reload must not get
# valed killed, while an engine wedged (--test-wedge-on-sigusr1) in the middle
# of a second one still gets it restarted.
journal_count() { journalctl -u valed.service --no-pager 2>/dev/null | grep -c "$1"; }
journal_count_above() { test "$(journal_count "$1")" -gt "$2"; }
watchdog_outlives_a_long_apply() {
    local dropin=/run/systemd/system/valed.service.d/70-long-apply-test.conf
    if ! grep -qa -- 'test-delay-apply' /usr/local/sbin/valed; then
        echo "SKIP long apply: valed has no --test-delay-apply" >> "$out"
        return
    fi
    mkdir -p "$(dirname "$dropin")"
    printf '[Service]\nWatchdogSec=5s\nTimeoutAbortSec=2s\nExecStart=\nExecStart=/usr/local/sbin/valed --forwarder external --test-wedge-on-sigusr1 --test-delay-apply 40\n' > "$dropin"
    systemctl daemon-reload
    systemctl restart valed.service
    check "long apply: valed active under WatchdogSec=5s" wait_for 30 state_is valed.service active
    check "long apply: watchdog armed (WatchdogUSec=5s)" prop_is valed.service WatchdogUSec 5s
    local pid restarts timeouts delays
    pid="$(prop valed.service MainPID)"
    restarts="$(prop valed.service NRestarts)"
    timeouts="$(journal_count 'Watchdog timeout')"
    delays="$(journal_count 'test-only apply delay: reload waits')"
    cat >> /etc/valed/valed.yaml <<'YAML'
      - port: vm3
YAML
    kill -HUP "$pid"
    # vm3 appears only when the 40-s reload ends.
    if wait_for 70 ip link show vm3; then
        pass "long apply: a 40-s reload under WatchdogSec=5s finished (vm3 exists)"
    else
        fail "long apply: a 40-s reload under WatchdogSec=5s finished (vm3 exists)" "no vm3 after 70 s; $(prop valed.service StatusText)"
    fi
    check "long apply: valed delayed the reload (test-only delay in the journal)" journal_count_above 'test-only apply delay: reload waits' "$delays"
    check "long apply: same process, not killed by the watchdog" prop_is valed.service MainPID "$pid"
    check "long apply: no restart" prop_is valed.service NRestarts "$restarts"
    check "long apply: no watchdog timeout in the journal" test "$(journal_count 'Watchdog timeout')" -eq "$timeouts"
    # A second long reload, and the engine wedged in its middle.
    delays="$(journal_count 'test-only apply delay: reload waits')"
    kill -HUP "$pid"
    wait_for 20 journal_count_above 'test-only apply delay: reload waits' "$delays"
    kill -USR1 "$pid"
    if wait_for 60 restarts_above "$restarts"; then
        pass "long apply: an engine wedged during a long reload is still restarted by the watchdog"
    else
        fail "long apply: an engine wedged during a long reload is still restarted by the watchdog" "NRestarts stayed $restarts"
    fi
    check "long apply: the journal names the watchdog timeout" wait_for 10 journal_count_above 'Watchdog timeout' "$timeouts"
    check "long apply: valed active again" wait_for 30 state_is valed.service active
    rm -f "$dropin"
    systemctl daemon-reload
}
watchdog_outlives_a_long_apply

# Journal: structured entries from valed's journal handler.
journalctl -u valed.service -o export --no-pager > /out/journal.export 2>/dev/null
check "journal has valed's entries (SYSLOG_IDENTIFIER=valed)" grep -aq '^SYSLOG_IDENTIFIER=valed$' /out/journal.export
check "journal entries carry VALED_LOGGER" grep -aq '^VALED_LOGGER=' /out/journal.export
check "journal entries carry CODE_FILE" grep -aq '^CODE_FILE=' /out/journal.export
# The engine logs each attach with `switch`/`port` metadata.
check "journal entries carry VALED_SWITCH" grep -aq '^VALED_SWITCH=vale0$' /out/journal.export
check "journal entries carry VALED_PORT" grep -aq '^VALED_PORT=vale0:vm1$' /out/journal.export
# Hardening: nothing valed does was refused by the sandbox. libdispatch's
# "Failed to set thread priority" (no CAP_SYS_NICE, by design) is expected.
journalctl -u valed.service -o cat --no-pager > /out/valed.log 2>&1
if grep -aE 'Operation not permitted|Permission denied|\(EPERM\)|\(EACCES\)' /out/valed.log > /out/eperm.txt; then
    fail "no EPERM/EACCES from the sandbox in valed's log" "$(head -3 /out/eperm.txt | tr '\n' ' ')"
else
    pass "no EPERM/EACCES from the sandbox in valed's log"
fi
# Issue 13: the forwarding process in vale-switchd.service.
source /out/forwarder-checks.sh
systemctl show valed.service > /out/valed.service.show
journalctl -b --no-pager > /out/journal.txt 2>&1
exit 0
