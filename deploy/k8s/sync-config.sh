#!/usr/bin/env bash
# Copies config/ (pipelines, arm registry, manifest settings, LLM chain, prompts) into
# deploy/k8s/base/config/, where the base kustomization's configMapGenerator reads it.
#
# Why a copy: kustomize only loads files at or below the kustomization's own directory (its
# load restrictor), so the generator cannot point at ../../../config. The `deploy.config_copies`
# test fails whenever the copy and config/ differ; run this script to bring them back in line.
#   deploy/k8s/sync-config.sh           copy config/ over the deploy copy (removing stale files)
#   deploy/k8s/sync-config.sh --check   only compare; exit 1 and list the differences
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/config
dst=$root/deploy/k8s/base/config

if [ "${1:-}" = --check ]; then
  if diff -r "$src" "$dst"; then
    echo "deploy/k8s/base/config matches config/"
    exit 0
  fi
  echo "deploy/k8s/base/config differs from config/: run deploy/k8s/sync-config.sh" \
       "(and add new files to deploy/k8s/base/kustomization.yaml)" >&2
  exit 1
fi

rm -rf "$dst"
mkdir -p "$dst"
cp -R "$src"/. "$dst"/
echo "copied config/ to deploy/k8s/base/config/"
