#!/usr/bin/env bash
# Soak harness (issue 12): runs a real valed for N minutes under traffic and a
# random, seeded sequence of every valectl command, signals and link changes,
# and checks after every step that valed is alive, answers, has the desired
# state, and does not leak. See docs/soak.md.
#
#   scripts/soak.sh [--minutes N] [--seed S] [--steps N] [--datapath userspace|model]
#                   [--bin DIR] [--keep-dir DIR] [--stop-on-failure] [--skip OP,...]
#
# --bin DIR: where valed, valectl (and valed-model, vale-kernel-model for the
# model datapath) are; default: the debug build products (.build/debug).
# Needs root (network namespaces). The last line printed is
#   ops=N, crashes=N, invariant failures=N, fd growth=N, rss growth=N KiB
# and the exit status is non-zero when crashes or invariant failures > 0.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10 seed="" steps="" datapath=userspace bin="" keep="" extra=()
while (($#)); do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --datapath) datapath="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --keep-dir) keep="$2"; shift 2 ;;
    --stop-on-failure) extra+=("$1"); shift ;;
    --skip) extra+=(--skip "$2"); shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$datapath" in userspace|model) ;; *) echo "soak.sh: --datapath userspace|model" >&2; exit 2 ;; esac
if [[ $(id -u) != 0 ]]; then echo "soak.sh: needs root (network namespaces)" >&2; exit 2; fi
bin="${bin:-$(swift build --show-bin-path 2>/dev/null || echo .build/debug)}"
for exe in valed valectl; do
  [[ -x "$bin/$exe" ]] || { echo "soak.sh: $bin/$exe missing; run swift build first (or --bin DIR)" >&2; exit 2; }
done
if [[ $datapath == model ]]; then
  for exe in valed-model vale-kernel-model; do
    [[ -x "$bin/$exe" ]] || { echo "soak.sh: $bin/$exe missing; run swift build --build-tests" >&2; exit 2; }
  done
fi
[[ -n $seed ]] || seed=$(( (RANDOM << 15) | RANDOM ))
keep="${keep:-$PWD/.build/soak-logs}"
mkdir -p "$keep"

work=$(mktemp -d /tmp/valed-soak.XXXXXX)
helper_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $helper_pid ]] && kill -0 "$helper_pid" 2>/dev/null; then
    kill -TERM "$helper_pid" 2>/dev/null || true
    wait "$helper_pid" 2>/dev/null || true
  fi
  # Backstop for a helper that died hard: every process started in the work
  # directory's name (valed, valectl) or inside the run's namespaces.
  local tag ns pid
  tag=$(cat "$work/tag" 2>/dev/null || true)
  if [[ -n $tag ]]; then
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^soak${tag}" || true); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
  fi
  # valed, and the vale-switchd it started (which outlives valed on purpose).
  for pid in $(pgrep -f -- "--socket $work/(valed|switchd).sock" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -f $work/valed.log && $rc != 0 ]] && cp "$work/valed.log" "$keep/valed-seed$seed-last.log" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

args=(--minutes "$minutes" --seed "$seed" --datapath "$datapath" --workdir "$work" --keep-dir "$keep"
      --valed "$bin/valed" --valectl "$bin/valectl"
      --valed-model "$bin/valed-model" --kernel-model-tool "$bin/vale-kernel-model")
[[ -n $steps ]] && args+=(--steps "$steps")
set +e
python3 scripts/soak.py "${args[@]}" "${extra[@]}" &
helper_pid=$!
wait "$helper_pid"
rc=$?
set -e
helper_pid=""
exit "$rc"
