#!/usr/bin/env bash
# Breaks a copy of one Dockerfile in known ways and fails unless `scripts/build-images.sh --check`
# reports each break: the Dockerfile check must be able to fail, and for the right reason.
#   tests/deploy/images_selftest.sh SERVICE [BUILD_DIR]
# With BUILD_DIR (holding the built binary of SERVICE) the shared-library check is exercised too.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
svc=${1:?usage: images_selftest.sh SERVICE [BUILD_DIR]}
build_dir=${2:-}
src="$root/deploy/docker/$svc.Dockerfile"
work=$(mktemp -d)
holder=""
trap 'if [[ -n $holder ]]; then kill "$holder" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

# Each case: a description, the text the check must print, and a sed program for the copy.
cases=(
  "a compiler in the runtime image|installs g++|/^FROM debian:12-slim/,\$ s/libprotobuf32/libprotobuf32 g++/"
  "a -dev package in the runtime image|installs libgrpc++-dev|/^FROM debian:12-slim/,\$ s/libgrpc++1.51/libgrpc++-dev/"
  "a runtime package that does not exist|not in the Debian 12 package index: libprotobuf99|/^FROM debian:12-slim/,\$ s/libprotobuf32/libprotobuf99/"
  "running as root|USER 65532|s/^USER 65532:65532/USER root/"
  "listening on loopback only|--listen=0.0.0.0|/^ENTRYPOINT/ s/--listen=0.0.0.0/--listen=127.0.0.1/"
  "the metrics port not exposed|should EXPOSE|/^EXPOSE/ s/ [0-9]*$//"
  "one stage only|needs two stages|/^FROM debian:12 AS build/,/^FROM debian:12-slim/ { /^FROM debian:12-slim/!d }"
  "a runtime stage on the full image|FROM debian:12-slim|s/^FROM debian:12-slim/FROM debian:12/"
  "building every target|should build only its target|s/--target armature-[a-z-]*/--target all/"
  "a misspelt instruction|unknown instruction|s/^WORKDIR \\/src/WORKDR \\/src/"
)
if [[ -n $build_dir ]]; then
  cases+=(
    "a linked library's package missing from the runtime image|add libprotobuf32|/^FROM debian:12-slim/,\$ s/ libprotobuf32//"
    "a linked library's package missing from the runtime image|add libspdlog1.10|/^FROM debian:12-slim/,\$ s/ libspdlog1.10//"
  )
fi

missed=0
for c in "${cases[@]}"; do
  IFS='|' read -r what expect program <<<"$c"
  mkdir -p "$work/d"
  sed -e "$program" "$src" >"$work/d/$svc.Dockerfile"
  if cmp -s "$src" "$work/d/$svc.Dockerfile"; then
    echo "FAIL self-test case '$what' did not change $svc.Dockerfile (update the sed program)"
    missed=$((missed + 1))
    continue
  fi
  args=(--check --dockerfile-dir "$work/d")
  # The library check (slow: ldd, dpkg -S, apt-cache) only for the cases about libraries.
  [[ $what == *library* ]] && args+=(--build-dir "$build_dir")
  if out=$("$root/scripts/build-images.sh" "${args[@]}" "$svc" 2>&1); then
    echo "FAIL the check passed $svc.Dockerfile with $what"
    missed=$((missed + 1))
  elif ! grep -qF -- "$expect" <<<"$out"; then
    echo "FAIL with $what the check failed without saying \"$expect\":"
    echo "$out"
    missed=$((missed + 1))
  else
    echo "caught: $what ($(grep -F -- "$expect" <<<"$out" | head -n1))"
  fi
done

# apt or dpkg running: the check waits for its locks (stand-in lock files here, both held, as
# dpkg holds lock-frontend and lock, by a python3 process with the same fcntl locks apt and dpkg
# take), and gives up after its deadline.
total=${#cases[@]}
if grep -qs '^ID=debian' /etc/os-release && grep -qs '^VERSION_ID="12"' /etc/os-release; then
  lock="$work/lock-frontend"
  : >"$lock"
  : >"$work/lock"
  python3 -c 'import fcntl, sys, time
held = [open(path, "w") for path in sys.argv[1:]]
for f in held: fcntl.lockf(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)' "$lock" "$work/lock" >"$work/held" &
  holder=$!
  deadline=$((SECONDS + 30))
  until grep -qs held "$work/held"; do
    ((SECONDS < deadline)) || { echo "FAIL python3 did not take the stand-in locks"; exit 1; }
    sleep 0.1
  done
  export ARMATURE_PACKAGE_LOCKS="$lock $work/lock"

  total=$((total + 1))
  if out=$(ARMATURE_PACKAGE_WAIT_SECONDS=1 "$root/scripts/build-images.sh" --check "$svc" 2>&1); then
    echo "FAIL the check ran while the package manager held its lock"
    missed=$((missed + 1))
  elif ! grep -q "package manager is still busy after 1s (pid $holder holds $lock)" <<<"$out"; then
    echo "FAIL with the package manager busy the check failed without naming it:"
    echo "$out"
    missed=$((missed + 1))
  else
    echo "caught: the package manager busy past the deadline"
  fi

  # Released while the check waits: the check then runs, and passes.
  total=$((total + 1))
  "$root/scripts/build-images.sh" --check "$svc" >"$work/waited" 2>&1 &
  check=$!
  deadline=$((SECONDS + 60))
  until grep -qs "waiting for the package manager (pid $holder" "$work/waited"; do
    if ((SECONDS >= deadline)) || ! kill -0 "$check" 2>/dev/null; then break; fi
    sleep 0.1
  done
  kill "$holder"
  wait "$holder" 2>/dev/null || true
  if ! wait "$check"; then
    echo "FAIL the check did not pass after the package manager let go of its lock:"
    cat "$work/waited"
    missed=$((missed + 1))
  elif ! grep -q "waiting for the package manager" "$work/waited"; then
    echo "FAIL the check did not wait for the package manager's lock:"
    cat "$work/waited"
    missed=$((missed + 1))
  else
    echo "caught: waited for the package manager, then checked"
  fi
  unset ARMATURE_PACKAGE_LOCKS
fi

echo "$svc.Dockerfile self-test: $((total - missed))/$total breaks caught"
((missed == 0))
