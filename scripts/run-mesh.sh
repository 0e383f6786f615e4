#!/usr/bin/env bash
# Starts the whole mesh locally on its embedded defaults and stops it cleanly on Ctrl-C.
#   BUILD_DIR (default build)   where the binaries are
#   RUN_DIR   (default .run)    logs of each service
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
run=${RUN_DIR:-.run}
mkdir -p "$run"

pids=()
stop() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    echo
    echo "Stopping the mesh (SIGTERM, graceful drain)..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    status=0
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    echo "All services stopped (exit status $status)."
  fi
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# start NAME BINARY ARGS...: starts one service and waits for its listening line.
start() {
  local name=$1 binary=$2
  shift 2
  "$build/$binary" "$@" >"$run/$name.out" 2>"$run/$name.log" &
  pids+=($!)
  for _ in $(seq 1 200); do
    if grep -q '"event":"listening"' "$run/$name.out" 2>/dev/null; then
      printf '  %-13s %s\n' "$name" "$(head -n1 "$run/$name.out")"
      return 0
    fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "$name failed to start; its log ($run/$name.log):" >&2
      cat "$run/$name.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "$name did not announce its ports in 10s; see $run/$name.log" >&2
  exit 1
}

echo "Starting the Armature mesh:"
start planner-arm services/planner_arm/armature-planner-arm \
  --listen=127.0.0.1:50052 --metrics_listen=127.0.0.1:9092
start manifest services/manifest/armature-manifest \
  --listen=127.0.0.1:50053 --metrics_listen=127.0.0.1:9093
start orchestrator services/orchestrator/armature-orchestrator \
  --listen=127.0.0.1:50051 --metrics_listen=127.0.0.1:9091 \
  --planner_target=127.0.0.1:50052 --manifest_target=127.0.0.1:50053 \
  --store="sqlite://$run/armature.db"

armctl=$build/tools/armctl/armctl
echo
echo "A first task through the whole mesh (armctl submit --wait):"
echo
"$armctl" submit --wait --target=127.0.0.1:50051 \
  "Write a Python script that fetches the weather forecast, then chart the week's temperatures" ||
  echo "(the demo task did not succeed; see $run/orchestrator.log)" >&2

cat <<EOT

Try it (in another terminal):
  $armctl submit --wait "Refactor the billing module and add tests"
  $armctl submit --kind scene --wait "misty cyberpunk alley at night; light rain; orbit camera"
  $armctl submit --kind production --wait @docs/examples/treatment.md
  $armctl list
  $armctl watch TASK_ID
  $armctl ready --target=127.0.0.1:50051
  $armctl capabilities --target=127.0.0.1:50052
  $armctl plan "Set up CI for the repo" --target=127.0.0.1:50052
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:50051
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge -d '{"service":"readiness"}' http://127.0.0.1:50051/grpc.health.v1.Health/Check
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge -d '{"kind":"GOAL","text":"Plan a data migration","wait":true}' http://127.0.0.1:50051/armature.v1.Orchestrator/SubmitTask
  curl -s http://127.0.0.1:9091/metrics | grep armature_

Tasks are kept in $run/armature.db. Logs: $run/*.log. Press Ctrl-C to stop all services.
EOT
wait -n "${pids[@]}" || true
echo "A service exited on its own; see $run/*.log" >&2
exit 1
