#!/usr/bin/env bash
# Installs what building and testing Armature needs, and nothing that is already there:
# Debian 12 packages (checked with dpkg, installed with apt only when missing) and the
# pinned npm tools from package-lock.json (buf).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  clang-format
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev
  prometheus-cpp-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libcurl4-openssl-dev libspdlog-dev libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-grpcio python3-protobuf
  nghttp2-client iproute2
)
# `make fuzz` also needs clang with its sanitizer and libFuzzer runtimes.
if [ "${ARMATURE_SETUP_FUZZ:-0}" = 1 ]; then
  packages+=(clang libclang-rt-14-dev)
fi
# Node.js with npm: Debian's packages unless a Node.js that ships npm is already installed.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
# kubectl (its built-in kustomize renders deploy/k8s in the deploy tests): Debian's package
# unless a kubectl is already installed (another package owning /usr/bin/kubectl would make
# dpkg refuse it). deploy/k8s renders with Debian 12's kubectl 1.20 and with newer ones.
if ! command -v kubectl >/dev/null 2>&1; then
  packages+=(kubernetes-client)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm tools, exactly as locked (versions and integrity hashes). `npm install --no-save`
# rather than `npm ci`: the registry reachable here serves buf's Linux binaries but not its
# macOS/Windows optional packages, so the lockfile cannot list those and `npm ci` would
# refuse it as out of sync. Reinstall only when the lockfile changed.
stamp=node_modules/.armature-lock-stamp
if [ ! -x node_modules/.bin/buf ] || [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing npm tools from package-lock.json"
  npm install --no-save --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
node_modules/.bin/buf --version >/dev/null
