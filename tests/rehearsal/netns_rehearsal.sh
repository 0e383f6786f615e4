#!/usr/bin/env bash
# Multi-host rehearsal: every service in its own network namespace with its own address (as pods
# have), the orchestrator balancing over two planner replicas by address, and one replica's
# "pod" lost mid-run. Every task must still finish.
#
# Usage: netns_rehearsal.sh BIN_DIR SOURCE_DIR
#   BIN_DIR     the CMake build directory (holds services/*/armature-* and tools/armctl/armctl)
#   SOURCE_DIR  the source tree (only used for messages and the default pipeline's location)
#
# Topology (all of it in namespaces created here; the root namespace is never touched):
#
#   arm<pid>-sw   "switch": a bridge, one veth port per service
#   arm<pid>-orch 10.X.Y.10  orchestrator  :50051 gRPC, :9091 metrics
#   arm<pid>-pa   10.X.Y.21  planner arm A :50052, :9092
#   arm<pid>-pb   10.X.Y.22  planner arm B :50052, :9092
#   arm<pid>-man  10.X.Y.30  manifest      :50053, :9093
#
# The orchestrator is started with --planner_target=ipv4:10.X.Y.21:50052,10.X.Y.22:50052.
# armctl and curl run inside the namespaces (ip netns exec), so they reach the services only
# through the bridge, by address, like other pods would.
#
# Scenario:
#   1. submit BATCH1 GOAL tasks (no --wait) in the background, from parallel armctl lanes;
#   2. as soon as planner B has served REHEARSAL_B_MIN Plan calls, lose B's pod: by default
#      (REHEARSAL_TEARDOWN=blackhole) its switch port goes down first, so its address stops
#      answering and its connections blackhole with no FIN or RST (a lost node), then its
#      process is SIGKILLed and its namespace deleted (its veth pair goes with it); with REHEARSAL_TEARDOWN=kill the process is SIGKILLed first (the
#      kernel resets its connections, as for a deleted pod), then the namespace is deleted;
#   3. submit BATCH2 more GOAL tasks;
#   4. poll until every task is SUCCEEDED (REHEARSAL_DEADLINE seconds), then check through
#      /metrics that planner B served Plan calls before it was lost and planner A served the rest.
#
# Exit codes: 0 passed, 1 failed, 77 skipped (not root, or network namespaces, veth or bridges are
# not available here); CTest maps 77 to "skipped" (SKIP_RETURN_CODE).
#
# Environment knobs: REHEARSAL_BATCH1 (40), REHEARSAL_BATCH2 (40), REHEARSAL_DEADLINE (60),
# REHEARSAL_B_MIN (3), REHEARSAL_SUBMITTERS (4 parallel armctl lanes),
# REHEARSAL_TEARDOWN (blackhole|kill), REHEARSAL_STAGE_TIMEOUT (3: timeout_seconds of the planner
# stages in the pipeline written for the run; 30 is the shipped default), REHEARSAL_KEEP=1 keeps the work directory (logs, store)
# after a pass; it is always kept after a failure.
set -euo pipefail

SKIP=77
BATCH1=${REHEARSAL_BATCH1:-40}
BATCH2=${REHEARSAL_BATCH2:-40}
DEADLINE=${REHEARSAL_DEADLINE:-60}
B_MIN=${REHEARSAL_B_MIN:-3}
SUBMITTERS=${REHEARSAL_SUBMITTERS:-4}
STAGE_TIMEOUT=${REHEARSAL_STAGE_TIMEOUT:-3}
TEARDOWN=${REHEARSAL_TEARDOWN:-blackhole}

log() { printf '[rehearsal %s] %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }
skip() {
  printf 'SKIPPED: %s\n' "$*"
  exit "$SKIP"
}
fail() {
  printf 'FAILED: %s\n' "$*" >&2
  exit 1
}

if [[ $# -ne 2 ]]; then
  printf 'usage: %s BIN_DIR SOURCE_DIR\n' "$0" >&2
  exit 2
fi

# --- Preconditions: what makes this machine unable to run it is a skip, not a failure. ---

if [[ $(id -u) -ne 0 ]]; then
  skip "needs root to create network namespaces, veth pairs and a bridge (running as uid $(id -u)); run as root, e.g. sudo ctest -L rehearsal"
fi
BIN_DIR=$(cd "$1" && pwd)
SOURCE_DIR=$(cd "$2" && pwd)
case "$TEARDOWN" in blackhole | kill) ;; *) fail "REHEARSAL_TEARDOWN must be blackhole or kill, got '$TEARDOWN'" ;; esac

# CTest passes the exact target files in the environment; by hand, BIN_DIR's layout is used.
ORCH_BIN=${ARMATURE_ORCHESTRATOR_BIN:-$BIN_DIR/services/orchestrator/armature-orchestrator}
PLANNER_BIN=${ARMATURE_PLANNER_ARM_BIN:-$BIN_DIR/services/planner_arm/armature-planner-arm}
MANIFEST_BIN=${ARMATURE_MANIFEST_BIN:-$BIN_DIR/services/manifest/armature-manifest}
ARMCTL=${ARMATURE_ARMCTL_BIN:-$BIN_DIR/tools/armctl/armctl}

command -v ip >/dev/null || skip "the 'ip' command (iproute2) is not installed"
command -v curl >/dev/null || skip "curl is not installed (needed to read /metrics inside the namespaces)"
for bin in "$ORCH_BIN" "$PLANNER_BIN" "$MANIFEST_BIN" "$ARMCTL"; do
  [[ -x $bin ]] || fail "$bin is missing: build it first (ninja -C $BIN_DIR armature-orchestrator armature-planner-arm armature-manifest armctl)"
done

# Unique per run: names carry the pid (network device names stay within 15 characters and only
# ever live inside our own namespaces), and the subnet is derived from the pid too. The bridge
# lives in its own "switch" namespace, so nothing here can clash with the host's networks.
ID=$$
PREFIX=arm${ID}
NS_SW=${PREFIX}-sw
NS_ORCH=${PREFIX}-orch
NS_PA=${PREFIX}-pa
NS_PB=${PREFIX}-pb
NS_MAN=${PREFIX}-man
NET=10.$(((ID >> 8) % 256)).$((ID % 256))
IP_ORCH=$NET.10
IP_PA=$NET.21
IP_PB=$NET.22
IP_MAN=$NET.30

WORK=$(mktemp -d "${TMPDIR:-/tmp}/armature-rehearsal.XXXXXX")
CREATED_NS=()
PIDS=()
PASSED=0

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  # Our processes: SIGTERM (graceful), then SIGKILL after a few seconds.
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  # Anything else still running inside our namespaces was started by us (e.g. an armctl).
  local ns
  for ns in "${CREATED_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  # Deleting a namespace destroys its veth ends (and so their peers) and the bridge in it.
  for ns in "${CREATED_NS[@]}"; do
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
      ip netns del "$ns" 2>/dev/null || echo "cleanup: could not delete namespace $ns" >&2
    fi
  done
  if [[ $rc -eq 0 && $PASSED -eq 1 && ${REHEARSAL_KEEP:-0} != 1 ]]; then
    rm -rf "$WORK"
  elif [[ $rc -ne $SKIP ]]; then
    echo "rehearsal: logs and store kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a setup command; when the kernel or the sandbox refuses it, the rehearsal is skipped with
# the command and its error.
setup() {
  local err
  if ! err=$("$@" 2>&1); then
    skip "network setup refused here: '$*' failed: ${err:-no message} (needs CAP_NET_ADMIN/CAP_SYS_ADMIN and veth/bridge support in the kernel)"
  fi
}

add_ns() {
  setup ip netns add "$1"
  CREATED_NS+=("$1")
  setup ip -n "$1" link set lo up
}

# --- Topology ---

log "work directory $WORK, subnet $NET.0/24, namespaces $PREFIX-{sw,orch,pa,pb,man}, teardown mode $TEARDOWN, planner stage timeout ${STAGE_TIMEOUT}s"
add_ns "$NS_SW"
setup ip -n "$NS_SW" link add br0 type bridge
setup ip -n "$NS_SW" link set br0 up

# One veth per service: the "eth0" end in the service's namespace with its address, the other
# end a port of the switch's bridge. Created inside the switch namespace so that the names never
# meet the host's devices or another run's.
attach() {
  local ns=$1 port=$2 addr=$3
  add_ns "$ns"
  setup ip -n "$NS_SW" link add "$port" type veth peer name eth0 netns "$ns"
  setup ip -n "$NS_SW" link set "$port" master br0
  setup ip -n "$NS_SW" link set "$port" up
  setup ip -n "$ns" addr add "$addr/24" dev eth0
  setup ip -n "$ns" link set eth0 up
}
attach "$NS_ORCH" orch "$IP_ORCH"
attach "$NS_PA" pa "$IP_PA"
attach "$NS_PB" pb "$IP_PB"
attach "$NS_MAN" man "$IP_MAN"

# --- Services ---

# A quick pipeline: short stage timeouts and waits, a breaker that re-probes after 1 s. A call
# sent to a blackholed replica stalls until the stage's timeout_seconds (one attempt takes the
# whole call deadline), so that timeout bounds how long a lost replica holds a task up.
PIPELINE=$WORK/pipeline.yaml
cat >"$PIPELINE" <<EOF
# Written by tests/rehearsal/netns_rehearsal.sh: $SOURCE_DIR/config/pipelines/default.yaml
# (which documents every field) with short stage timeouts and waits, so the run is quick.
tasks:
  default_deadline_seconds: 120
  max_deadline_seconds: 600
  wait_initial_ms: 100
  wait_max_ms: 1000
arms:
  planner:
    breaker:
      failure_rate_threshold: 0.5
      window_seconds: 5
      minimum_calls: 10
      open_wait_seconds: 1
      half_open_max_calls: 3
      successes_to_close: 3
    retry:
      max_attempts: 3
      initial_backoff_ms: 50
      max_backoff_ms: 500
  manifest:
    breaker:
      failure_rate_threshold: 0.5
      window_seconds: 5
      minimum_calls: 10
      open_wait_seconds: 1
      half_open_max_calls: 3
      successes_to_close: 3
    retry:
      max_attempts: 3
      initial_backoff_ms: 50
      max_backoff_ms: 500
pipelines:
  GOAL:
    - stage: plan
      arm: planner
      timeout_seconds: $STAGE_TIMEOUT
      attempts: 3
  SCENE:
    - stage: plan_scene
      arm: planner
      timeout_seconds: $STAGE_TIMEOUT
      attempts: 3
  PRODUCTION:
    - stage: plan
      arm: planner
      timeout_seconds: $STAGE_TIMEOUT
      attempts: 3
    - stage: build_manifest
      arm: manifest
      timeout_seconds: 10
      attempts: 3
EOF

PID_PB=""
# start NAME NS BINARY ARGS...: runs the binary inside NS (ip netns exec execs it, so $! is the
# service's own pid), stdout/stderr in $WORK/NAME.{out,err}.
start() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  if [[ $name == planner-b ]]; then PID_PB=$pid; fi
  # Each binary prints one JSON "listening" line on stdout once it serves.
  for _ in $(seq 150); do
    if grep -q '"event":"listening"' "$WORK/$name.out" 2>/dev/null; then
      log "$name (pid $pid, namespace $ns): $(head -n1 "$WORK/$name.out")"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || {
      cat "$WORK/$name.err" >&2
      fail "$name exited at start-up (log above, $WORK/$name.err)"
    }
    sleep 0.1
  done
  fail "$name did not print its listening line within 15 s ($WORK/$name.err)"
}

start planner-a "$NS_PA" "$PLANNER_BIN" --listen="$IP_PA:50052" --metrics_listen="$IP_PA:9092"
start planner-b "$NS_PB" "$PLANNER_BIN" --listen="$IP_PB:50052" --metrics_listen="$IP_PB:9092"
start manifest "$NS_MAN" "$MANIFEST_BIN" --listen="$IP_MAN:50053" --metrics_listen="$IP_MAN:9093"
start orchestrator "$NS_ORCH" "$ORCH_BIN" --listen="$IP_ORCH:50051" --metrics_listen="$IP_ORCH:9091" \
  --planner_target="ipv4:$IP_PA:50052,$IP_PB:50052" --manifest_target="$IP_MAN:50053" \
  --store="sqlite://$WORK/armature.db" --pipeline_config="$PIPELINE"

# armctl from inside the orchestrator's namespace, so everything crosses the bridge.
armctl() { ip netns exec "$NS_ORCH" "$ARMCTL" --target="$IP_ORCH:50051" "$@"; }
# metrics NS ADDR: the /metrics text of the service at ADDR, fetched from inside NS.
metrics() { ip netns exec "$1" curl -sf --max-time 5 "http://$2/metrics"; }
# plan_ok NS ADDR: the planner's count of Plan RPCs answered OK (0 when not yet exported).
plan_ok() {
  local text
  text=$(metrics "$1" "$2") || return 1
  awk '/^armature_grpc_server_handled_total\{/ && /method="armature.v1.PlannerArm\/Plan"/ && /code="OK"/ {n += $NF} END {print n + 0}' <<<"$text"
}

# Both planner replicas answer across the bridge, and the orchestrator is ready.
for addr in "$IP_PA:50052" "$IP_PB:50052" "$IP_MAN:50053"; do
  ip netns exec "$NS_ORCH" "$ARMCTL" --target="$addr" --timeout_seconds=5 health >/dev/null ||
    fail "the service at $addr is not reachable from the orchestrator's namespace"
done
ready=0
for _ in $(seq 100); do
  if armctl --timeout_seconds=2 health readiness >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ $ready -eq 1 ]] || fail "the orchestrator did not become ready within 10 s ($WORK/orchestrator.err)"
log "all four services up, each in its own namespace; the orchestrator is ready"

# --- Load, and a lost replica mid-run ---

# status_of_all: "<id> <status>" for every task the orchestrator lists.
status_of_all() {
  armctl --timeout_seconds=10 list --all --page_size=1000 |
    awk 'length($1) == 36 && $1 ~ /^[0-9a-f-]+$/ {print $1, $3}'
}

# submit_lane FIRST LAST LANE LANES: submits the GOAL tasks n in FIRST..LAST with
# n % LANES == LANE, one armctl each, appending "<n> <id>" to $WORK/submitted (O_APPEND: the
# lanes' lines do not mix).
submit_lane() {
  local first=$1 last=$2 lane=$3 lanes=$4 i out id
  for ((i = first; i <= last; i++)); do
    ((i % lanes == lane)) || continue
    out=$(armctl submit "rehearsal $ID goal $i: plan the rollout of service $i across two regions" \
      --kind=goal --idempotency_key="rehearsal-$ID-$i") || {
      echo "submit $i failed: $out" >>"$WORK/submit-errors"
      return 1
    }
    id=$(awk '$1 == "task" {print $2}' <<<"$out")
    [[ -n $id ]] || {
      echo "submit $i: no task id in: $out" >>"$WORK/submit-errors"
      return 1
    }
    echo "$i $id" >>"$WORK/submitted"
  done
}
# submit_batch FIRST LAST: starts SUBMITTERS lanes in the background; their pids in LANE_PIDS.
LANE_PIDS=()
submit_batch() {
  local lane
  LANE_PIDS=()
  for ((lane = 0; lane < SUBMITTERS; lane++)); do
    submit_lane "$1" "$2" "$lane" "$SUBMITTERS" &
    LANE_PIDS+=("$!")
    PIDS+=("$!")
  done
}
# wait_batch WHAT: waits for the lanes; fails naming WHAT when one of them did.
wait_batch() {
  local pid ok=1
  for pid in "${LANE_PIDS[@]}"; do wait "$pid" || ok=0; done
  [[ $ok -eq 1 ]] || fail "submitting $1 failed: $(cat "$WORK/submit-errors" 2>/dev/null)"
}

: >"$WORK/submitted"
T0=$(date +%s.%N)
log "submitting batch 1: $BATCH1 GOAL tasks (no --wait) from $SUBMITTERS parallel armctl lanes"
submit_batch 1 "$BATCH1"

# Lose planner B as soon as it has served some Plan calls, while batch 1 is still arriving.
b_before=0
for _ in $(seq 300); do
  b_before=$(plan_ok "$NS_PB" "$IP_PB:9092" || echo 0)
  [[ $b_before -ge $B_MIN ]] && break
  sleep 0.05
done
[[ $b_before -ge $B_MIN ]] ||
  fail "planner B served only $b_before Plan calls in 15 s (wanted $B_MIN before losing it): is the orchestrator balancing over both addresses? ($WORK/orchestrator.err)"
b_before=$(plan_ok "$NS_PB" "$IP_PB:9092" || echo "$b_before")
submitted_at_teardown=$(wc -l <"$WORK/submitted")
log "planner B has served $b_before Plan calls; $submitted_at_teardown of batch 1 submitted so far: losing planner B's pod ($TEARDOWN)"
T_LOSS=$(date +%s.%N)
b_final=""
if [[ $TEARDOWN == blackhole ]]; then
  # Cut the cable first: B's switch port goes down, so from the orchestrator's side the address
  # stops answering and nothing (no FIN, no RST) arrives; it must notice on its own (deadlines,
  # keepalive). B itself still sees its own address, which gives its final count of Plan calls.
  ip -n "$NS_SW" link set pb down
  b_final=$(plan_ok "$NS_PB" "$IP_PB:9092" || true)
  kill -KILL "$PID_PB"
else
  # The process dies first; its kernel resets the connections, then the pod's network goes.
  kill -KILL "$PID_PB"
fi
wait "$PID_PB" 2>/dev/null || true
ip netns del "$NS_PB"
log "planner B's namespace $NS_PB is gone ($IP_PB no longer exists)"
unfinished=$(status_of_all | awk '$2 != "SUCCEEDED"' | wc -l || true)
log "right after the loss: $(wc -l <"$WORK/submitted") tasks submitted, $unfinished of them not finished yet"

wait_batch "batch 1"
log "batch 1 submitted; submitting batch 2: $BATCH2 more GOAL tasks after the loss"
submit_batch $((BATCH1 + 1)) $((BATCH1 + BATCH2))
wait_batch "batch 2"
TOTAL=$((BATCH1 + BATCH2))
[[ $(wc -l <"$WORK/submitted") -eq $TOTAL ]] || fail "expected $TOTAL submitted tasks, recorded $(wc -l <"$WORK/submitted")"

# --- Every task finishes ---

log "all $TOTAL tasks submitted; waiting up to $DEADLINE s for every one to be SUCCEEDED"
end=$(($(date +%s) + DEADLINE))
succeeded=0
while :; do
  statuses=$(status_of_all || true)
  succeeded=$(awk '$2 == "SUCCEEDED"' <<<"$statuses" | wc -l)
  listed=$(grep -c . <<<"$statuses" || true)
  [[ $succeeded -eq $TOTAL && $listed -eq $TOTAL ]] && break
  if [[ $(date +%s) -ge $end ]]; then
    {
      echo "after ${DEADLINE} s only $succeeded of $TOTAL tasks SUCCEEDED ($listed listed); the others:"
      while read -r n id; do
        line=$(awk -v id="$id" '$1 == id' <<<"$statuses")
        [[ $line == *SUCCEEDED* ]] && continue
        echo "  task #$n $id: ${line#"$id" }"
        armctl get "$id" </dev/null 2>&1 | grep -E '^(Task|stage|attempts|last error|error)' | sed 's/^/      /' || true
      done <"$WORK/submitted"
    } >&2
    fail "not every task finished after planner B was lost (logs: $WORK)"
  fi
  sleep 0.5
done
T_DONE=$(date +%s.%N)
since() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
log "all $TOTAL tasks SUCCEEDED, $(since "$T0" "$T_DONE") s after the first submit, $(since "$T_LOSS" "$T_DONE") s after planner B was lost"

# --- Who served what ---

a_total=$(plan_ok "$NS_PA" "$IP_PA:9092") || fail "could not read planner A's /metrics at $IP_PA:9092"
if [[ -n $b_final ]]; then
  log "Plan calls answered OK: planner A $a_total, planner B $b_final (its final count, read as it was cut off)"
else
  log "Plan calls answered OK: planner A $a_total, planner B at least $b_before (read just before it was killed)"
fi
[[ $a_total -ge 1 ]] || fail "planner A served no Plan call"
[[ $b_before -ge 1 ]] || fail "planner B served no Plan call before it was lost"
# Every task submitted after the loss can only have been planned by A.
[[ $a_total -ge $BATCH2 ]] || fail "planner A answered $a_total Plan calls, fewer than the $BATCH2 tasks submitted after the loss"
# Each task got its plan from one of them (B may also have answered calls whose answer was lost
# on the cut cable, hence >=).
if [[ -n $b_final ]]; then
  [[ $((a_total + b_final)) -ge $TOTAL ]] ||
    fail "the replicas answered $a_total + $b_final Plan calls for $TOTAL succeeded tasks"
fi

# How the orchestrator got there (for the log; not asserted: it depends on timing).
orch_metrics=$(metrics "$NS_ORCH" "$IP_ORCH:9091" || true)
log "orchestrator's planner client, attempts by code:"
grep -E '^armature_downstream_attempts_total\{.*target="planner"' <<<"$orch_metrics" | sed 's/^/    /' || true
grep -E '^armature_downstream_breaker_(transitions_total|refusals_total)\{.*target="planner"' <<<"$orch_metrics" |
  awk '$NF != 0' | sed 's/^/    /' || true
retried=$(armctl list --all --page_size=1000 --json | grep -cE '"attempts": ([2-9]|[1-9][0-9]+),' || true)
log "tasks that needed more than one attempt: $retried of $TOTAL"

PASSED=1
log "PASSED: $TOTAL/$TOTAL tasks SUCCEEDED with planner B's pod lost mid-run (work dir $WORK)"
