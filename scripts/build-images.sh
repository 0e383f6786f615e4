#!/usr/bin/env bash
# Builds the container images of the three services from deploy/docker/*.Dockerfile, or checks
# those Dockerfiles statically where no container engine runs (as on the development machines).
#
#   scripts/build-images.sh [--registry REG] [--tag TAG] [--push] [SERVICE...]
#       Checks, then builds armature-SERVICE:TAG (REG/armature-SERVICE:TAG with --registry) with
#       docker, podman or buildah, whichever answers first; --push pushes them afterwards.
#       TAG defaults to the project version in CMakeLists.txt.
#   scripts/build-images.sh --check [--build-dir DIR] [--dockerfile-dir DIR] [SERVICE...]
#       Only checks each Dockerfile (what the tests run):
#       - it parses: known instructions, a Debian 12 build stage, a Debian 12 slim runtime stage;
#       - the build stage builds this service's CMake target;
#       - the runtime stage installs no compiler, build tool or -dev package, runs as uid 65532,
#         exposes the gRPC and metrics ports and starts the binary listening on 0.0.0.0;
#       - every package it installs exists in this machine's Debian 12 apt index (apt-cache);
#       - with --build-dir: `ldd` of the binary built there, each library mapped to its Debian
#         package with `dpkg -S`: the packages of the libraries the binary links directly must
#         be named in the runtime stage, and every other library must come with them (their
#         Depends, from the apt index) or with the base image.
#       While apt or dpkg runs (it holds its lock), the check waits for it, up to
#       ARMATURE_PACKAGE_WAIT_SECONDS (240), instead of reading a half-written index.
# SERVICE: orchestrator, planner-arm, manifest (default: all three). Exit 0 = all good.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# service -> "build-dir binary grpc-port metrics-port"
declare -A SERVICE=(
  [orchestrator]="orchestrator armature-orchestrator 50051 9091"
  [planner-arm]="planner_arm armature-planner-arm 50052 9092"
  [manifest]="manifest armature-manifest 50053 9093"
)
ALL_SERVICES=(orchestrator planner-arm manifest)
# In debian:12-slim already (libc, and what apt itself links); the binaries may link these
# without the Dockerfile naming them.
BASE_PACKAGES=(libc6 libgcc-s1 libstdc++6)
# Never in a runtime stage.
FORBIDDEN='^(build-essential|gcc(-[0-9]+)?|g\+\+(-[0-9]+)?|cpp(-[0-9]+)?|clang(-[0-9]+)?|cmake|ninja-build|make|pkg-config|pkgconf|binutils|protobuf-compiler(-grpc)?|libtool|autoconf|automake|.*-dev)$'
INSTRUCTIONS=' FROM RUN CMD LABEL EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK SHELL '

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

check=0 push=0 build_dir="" docker_dir="$root/deploy/docker" registry="" tag=""
services=()
while (($#)); do
  case $1 in
    --check) check=1 ;;
    --push) push=1 ;;
    --build-dir) build_dir=$2; shift ;;
    --build-dir=*) build_dir=${1#*=} ;;
    --dockerfile-dir) docker_dir=$2; shift ;;
    --dockerfile-dir=*) docker_dir=${1#*=} ;;
    --registry) registry=${2%/}; shift ;;
    --registry=*) registry=${1#*=}; registry=${registry%/} ;;
    --tag) tag=$2; shift ;;
    --tag=*) tag=${1#*=} ;;
    -h|--help) usage ;;
    -*) echo "build-images: unknown option $1" >&2; usage ;;
    *) [[ -n ${SERVICE[$1]:-} ]] || { echo "build-images: unknown service $1 (${ALL_SERVICES[*]})" >&2; exit 2; }
       services+=("$1") ;;
  esac
  shift
done
((${#services[@]})) || services=("${ALL_SERVICES[@]}")
if [[ -n $build_dir ]]; then build_dir=$(cd "$build_dir" && pwd); fi
if [[ -z $tag ]]; then
  tag=$(sed -n 's/^project(armature VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
fi

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
note() { echo "  $*"; }

# Logical lines of a Dockerfile: continuations joined, comments and blank lines dropped.
logical_lines() {
  sed 's/\r$//' "$1" | awk '
    /^[[:space:]]*#/ { next }
    { line = (cont ? line " " : "") $0 }
    /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); cont = 1; next }
    { cont = 0; if (line ~ /[^[:space:]]/) print line; line = "" }
    END { if (cont) print line }'
}

# Package names after each `apt-get install` / `apt install` in the given RUN lines.
installed_packages() {
  awk '{
    for (i = 1; i <= NF; i++) {
      if (($i == "apt-get" || $i == "apt") && $(i + 1) == "install") {
        for (j = i + 2; j <= NF; j++) {
          w = $j
          if (w == "&&" || w == "||" || w == ";" || w == "|") break
          end = sub(/;$/, "", w)
          if (w !~ /^-/ && w != "") print w
          if (end) break
        }
      }
    }
  }'
}

is_debian12() { grep -qs '^VERSION_ID="12"' /etc/os-release && grep -qs '^ID=debian' /etc/os-release; }

# The locks apt and dpkg hold while they change the package database or the index
# (ARMATURE_PACKAGE_LOCKS, space-separated, replaces them in tests).
PACKAGE_LOCKS=${ARMATURE_PACKAGE_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock}
# How long to wait for a running apt or dpkg to finish, seconds.
PACKAGE_WAIT_SECONDS=${ARMATURE_PACKAGE_WAIT_SECONDS:-240}

# Prints "PID LOCKFILE" for the first of PACKAGE_LOCKS that a process holds (from /proc/locks,
# where apt's and dpkg's fcntl locks show up by inode), nothing when none is held.
package_lock_holder() {
  local lock inode pid
  for lock in $PACKAGE_LOCKS; do
    inode=$(stat -c %i "$lock" 2>/dev/null) || continue
    pid=$(awk -v inode="$inode" '
      { n = split($6, dev, ":"); if (dev[n] == inode) { print $5; exit } }' /proc/locks)
    if [[ -n $pid ]]; then
      echo "$pid $lock"
      return
    fi
  done
}

# While apt or dpkg runs (an install, `apt-get update`, a machine's unattended upgrade), the index
# and the file lists are being rewritten and the queries below could answer from a half-written
# state: wait for it, polling, up to PACKAGE_WAIT_SECONDS. Returns 1 if it is still running then.
wait_for_package_manager() {
  local holder deadline=$((SECONDS + PACKAGE_WAIT_SECONDS)) said=0
  while holder=$(package_lock_holder) && [[ -n $holder ]]; do
    if ((SECONDS >= deadline)); then
      echo "FAIL the package manager is still busy after ${PACKAGE_WAIT_SECONDS}s" \
           "(pid ${holder% *} holds ${holder#* }): run the check again when it is done"
      return 1
    fi
    if ((!said)); then
      echo "  waiting for the package manager (pid ${holder% *} holds ${holder#* })"
      said=1
    fi
    sleep 1
  done
  return 0
}

# Which Debian package ships each file: prints "PATH PACKAGE" for every path given that dpkg
# knows. One dpkg -S for all of them (it reads its whole database on every call). With usrmerge
# /lib and /usr/lib are one directory and dpkg knows each file under one of the two names, so
# both spellings (and the resolved symlink) are asked for.
packages_of() {
  local -A alias=()
  local path real p
  for path in "$@"; do
    real=$(readlink -f "$path")
    for p in "$path" "$real"; do
      alias[$p]=$path
      case $p in
        /usr/*) alias[${p#/usr}]=$path ;;
        *) alias[/usr$p]=$path ;;
      esac
    done
  done
  dpkg -S "${!alias[@]}" 2>/dev/null | grep -v '^diversion' | while IFS= read -r line; do
    p=${line#*: }
    # "pkg:arch: /path" (or "pkg1, pkg2: /path" for a shared directory, not for libraries)
    [[ -n ${alias[$p]:-} ]] && echo "${alias[$p]} ${line%%:*}"
  done | sort -u -k1,1
}

check_service() {
  local svc=$1 file="$docker_dir/$1.Dockerfile"
  local dir binary grpc metrics
  read -r dir binary grpc metrics <<<"${SERVICE[$svc]}"
  local before=$failures
  echo "== $svc: ${file#"$root"/}"
  if [[ ! -f $file ]]; then
    fail "$svc: $file does not exist"
    return
  fi

  local -a lines=() froms=()
  mapfile -t lines < <(logical_lines "$file")
  local i word
  for i in "${!lines[@]}"; do
    word=$(awk '{print toupper($1)}' <<<"${lines[$i]}")
    if [[ $INSTRUCTIONS != *" $word "* ]]; then
      fail "$svc: unknown instruction '$word' in: ${lines[$i]}"
    fi
    [[ $word == FROM ]] && froms+=("$i")
  done
  if ((${#froms[@]} < 2)); then
    fail "$svc: needs two stages (a build stage and a runtime stage), found ${#froms[@]}"
    return
  fi
  local first=${lines[${froms[0]}]} last_from=${froms[-1]}
  local build_image build_name runtime_image
  build_image=$(awk '{print $2}' <<<"$first")
  build_name=$(awk 'toupper($3) == "AS" {print $4}' <<<"$first")
  runtime_image=$(awk '{print $2}' <<<"${lines[$last_from]}")
  if [[ ! $build_image =~ ^debian:(12|bookworm)(-[0-9]{8})?$ ]]; then
    fail "$svc: the build stage should be FROM debian:12 (Debian 12 packages), not $build_image"
  fi
  [[ -n $build_name ]] || fail "$svc: the build stage needs a name (FROM debian:12 AS build)"
  if [[ ! $runtime_image =~ ^debian:(12|bookworm)-slim$ ]]; then
    fail "$svc: the runtime stage should be FROM debian:12-slim, not $runtime_image"
  fi

  local -a build_lines=("${lines[@]:${froms[0]}:$((last_from - froms[0]))}")
  local -a runtime=("${lines[@]:$last_from}")
  if ! printf '%s\n' "${build_lines[@]}" | grep -Eq -- "--target[= ]+$binary( |$)"; then
    fail "$svc: the build stage should build only its target (cmake --build ... --target $binary)"
  fi

  # Runtime stage: packages, user, ports, entrypoint, binary.
  local -a packages=()
  mapfile -t packages < <(printf '%s\n' "${runtime[@]}" | grep -E '^RUN ' | installed_packages)
  ((${#packages[@]})) || fail "$svc: the runtime stage installs no packages (the binary links shared libraries)"
  local p
  for p in "${packages[@]}"; do
    if [[ $p =~ $FORBIDDEN ]]; then
      fail "$svc: the runtime stage installs $p (compilers, build tools and -dev packages belong in the build stage)"
    fi
  done
  local user
  user=$(printf '%s\n' "${runtime[@]}" | awk 'toupper($1) == "USER" {u = $2} END {print u}')
  if [[ ! $user =~ ^65532(:65532)?$ ]]; then
    fail "$svc: the runtime stage should end with USER 65532 (non-root), found '${user:-none}'"
  fi
  local expose entrypoint
  expose=" $(printf '%s\n' "${runtime[@]}" | awk 'toupper($1) == "EXPOSE" {$1 = ""; print}' | tr '\n' ' ') "
  for p in "$grpc" "$metrics"; do
    [[ $expose == *" $p "* || $expose == *" $p/tcp "* ]] || fail "$svc: the runtime stage should EXPOSE $p"
  done
  entrypoint=$(printf '%s\n' "${runtime[@]}" | awk 'toupper($1) == "ENTRYPOINT" {$1 = ""; e = $0} END {print e}')
  if [[ ! $entrypoint =~ ^[[:space:]]*\[\"/usr/local/bin/$binary\" ]]; then
    fail "$svc: ENTRYPOINT should be the exec form starting with \"/usr/local/bin/$binary\", found:$entrypoint"
  fi
  [[ $entrypoint == *"\"--listen=0.0.0.0:$grpc\""* ]] ||
    fail "$svc: ENTRYPOINT should pass \"--listen=0.0.0.0:$grpc\" (reachable from outside the container)"
  [[ $entrypoint == *"\"--metrics_listen=0.0.0.0:$metrics\""* ]] ||
    fail "$svc: ENTRYPOINT should pass \"--metrics_listen=0.0.0.0:$metrics\""
  if ! printf '%s\n' "${runtime[@]}" |
       grep -Eq "^COPY +--from=$build_name +[^ ]*/services/$dir/$binary +/usr/local/bin/($binary)?$"; then
    fail "$svc: the runtime stage should COPY --from=$build_name .../services/$dir/$binary /usr/local/bin/$binary"
  fi

  if ! is_debian12; then
    note "not a Debian 12 machine: package index and shared-library checks skipped"
    return
  fi
  # Every package exists in the Debian 12 index (a real package, not only a virtual name).
  if [[ -z $(apt-cache policy libc6 2>/dev/null | awk '/Candidate:/ {print $2}') ]]; then
    fail "$svc: the apt index is empty: run apt-get update"
    return
  fi
  # One apt-cache call for all of them (it answers an error for names it does not know).
  local -A in_index=()
  while read -r p; do in_index[$p]=1; done < <(
    apt-cache show --no-all-versions "${packages[@]}" 2>/dev/null | sed -n 's/^Package: //p')
  local -a unknown=()
  for p in "${packages[@]}"; do [[ -n ${in_index[$p]:-} ]] || unknown+=("$p"); done
  if ((${#unknown[@]})); then
    fail "$svc: not in the Debian 12 package index: ${unknown[*]} (if apt-get update never ran here, run it)"
  else
    note "${#packages[@]} runtime packages, all in the Debian 12 index"
  fi

  [[ -n $build_dir ]] || return 0
  local bin="$build_dir/services/$dir/$binary"
  if [[ ! -x $bin ]]; then
    fail "$svc: $bin is not built (cmake --build $build_dir --target $binary)"
    return
  fi
  # What the binary loads: soname -> path, and which of them it links directly.
  local ldd_out
  if ! ldd_out=$(ldd "$bin" 2>&1); then
    fail "$svc: ldd $bin failed: $ldd_out"
    return
  fi
  if grep -q 'not found' <<<"$ldd_out"; then
    fail "$svc: $bin has unresolved libraries here: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t' ' ')"
  fi
  local -A lib_path=() direct=()
  local soname path
  while read -r soname path; do
    [[ -n $path && $path == /* ]] && lib_path[$soname]=$path
  done < <(awk '$2 == "=>" {print $1, $3}' <<<"$ldd_out")
  while read -r soname; do
    direct[$soname]=1
  done < <(LC_ALL=C readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  ((${#direct[@]})) || fail "$svc: readelf found no NEEDED entries in $bin"
  local -A needed=() needed_direct=() pkg_of_path=()
  while read -r path p; do pkg_of_path[$path]=$p; done < <(packages_of "${lib_path[@]}")
  for soname in "${!lib_path[@]}"; do
    p=${pkg_of_path[${lib_path[$soname]}]:-}
    if [[ -z $p ]]; then
      fail "$svc: no Debian package ships ${lib_path[$soname]} ($soname): the image could not provide it"
      continue
    fi
    needed[$p]+="$soname "
    [[ -n ${direct[$soname]:-} ]] && needed_direct[$p]+="$soname "
  done
  # Named in the Dockerfile, the base image, and everything they depend on (from the index).
  local -A named=() closure=()
  for p in "${packages[@]}" "${BASE_PACKAGES[@]}"; do named[$p]=1; done
  while read -r p; do
    closure[$p]=1
  done < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
             --no-replaces --no-enhances "${packages[@]}" "${BASE_PACKAGES[@]}" 2>/dev/null |
           awk '/^[^ ]/ {gsub(/[<>]/, ""); print $1}')
  local missing=0
  for p in $(printf '%s\n' "${!needed_direct[@]}" | sort); do
    if [[ -z ${named[$p]:-} ]]; then
      fail "$svc: $binary links ${needed_direct[$p]% } directly: add $p to the runtime stage's apt-get install"
      missing=$((missing + 1))
    fi
  done
  for p in $(printf '%s\n' "${!needed[@]}" | sort); do
    if [[ -z ${needed_direct[$p]:-} && -z ${closure[$p]:-} ]]; then
      fail "$svc: $binary loads ${needed[$p]% } from $p, which nothing in the runtime stage installs: add $p"
      missing=$((missing + 1))
    fi
  done
  for p in "${packages[@]}"; do
    if [[ $p == lib* && -z ${needed[$p]:-} ]]; then
      note "warning: $p is installed but $binary loads nothing from it"
    fi
  done
  if ((missing == 0)); then
    note "$binary loads ${#lib_path[@]} libraries from ${#needed[@]} packages;" \
         "the ${#needed_direct[@]} it links directly are named, the rest come with them"
  fi
  ((failures == before)) && note "ok"
  return 0
}

if is_debian12 && ! wait_for_package_manager; then exit 1; fi
for svc in "${services[@]}"; do check_service "$svc"; done
if ((failures)); then
  echo "build-images: $failures problem(s) in ${services[*]}"
  exit 1
fi
echo "build-images: ${services[*]}: Dockerfiles check out"
((check)) && exit 0

# ---- Build (and push) with the first container engine that answers.
engine=""
for e in docker podman buildah; do
  command -v "$e" >/dev/null 2>&1 || continue
  case $e in
    docker) docker info >/dev/null 2>&1 && engine=docker ;;
    podman) podman info >/dev/null 2>&1 && engine=podman ;;
    buildah) buildah version >/dev/null 2>&1 && engine=buildah ;;
  esac
  [[ -n $engine ]] && break
done
if [[ -z $engine ]]; then
  echo "build-images: no container engine answers here (docker info / podman info / buildah version);" \
       "the Dockerfiles were checked (--check) but no image was built" >&2
  exit 1
fi

# A small build context: only what the CMake build reads (not build directories or node_modules).
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
tar -C "$root" -cf - CMakeLists.txt proto libs services tools config fuzz | tar -C "$context" -xf -
built=()
for svc in "${services[@]}"; do
  image="armature-$svc:$tag"
  [[ -n $registry ]] && image="$registry/$image"
  cp "$docker_dir/$svc.Dockerfile" "$context/Dockerfile"
  echo "== $engine: building $image"
  case $engine in
    buildah) buildah bud --layers -f "$context/Dockerfile" -t "$image" "$context" ;;
    *) "$engine" build -f "$context/Dockerfile" -t "$image" "$context" ;;
  esac
  built+=("$image")
done
if ((push)); then
  for image in "${built[@]}"; do
    echo "== $engine: pushing $image"
    "$engine" push "$image"
  done
fi
printf 'built: %s\n' "${built[@]}"
