#!/usr/bin/env bash
# What the hack/ scripts share; each sources it first (`. "$(dirname "$0")/lib.sh"`). Sourcing reads the pinned
# versions and the cache folder from testbed/versions.env (the file testbed/versions.ts reads for the TypeScript)
# and defines functions; it changes no shell option and starts nothing.

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$HACK_DIR")"

# Every KEY=value line of testbed/versions.env becomes a shell variable, unless the environment already sets it: a
# one-off build can so try another version (KUBE_VERSION=1.37.0 bash hack/build-control-plane.sh).
load_versions() {
  local key value
  while IFS='=' read -r key value; do
    case "$key" in '' | '#'*) continue ;; esac
    [ -n "${!key:-}" ] || printf -v "$key" '%s' "$value"
  done <"$REPO_ROOT/testbed/versions.env"
}
load_versions

# Everything the scripts build or download lives here, outside the repository (testbed/versions.ts: cacheRoot).
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/$CACHE_DIR_NAME"
