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
trap 'rm -rf "$work"' EXIT

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
echo "$svc.Dockerfile self-test: $((${#cases[@]} - missed))/${#cases[@]} breaks caught"
((missed == 0))
