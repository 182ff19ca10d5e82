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

# Progress lines, `[<script> <UTC time> <seconds since start>] <text>`, on stderr: a build script's stdout is the path
# it prints last. LOG_FD=1 sends them to stdout instead.
LOG_NAME="$(basename "$0" .sh)"
LOG_STARTED=$(date +%s)
log() {
  printf '[%s %s %4ss] %s\n' "$LOG_NAME" "$(date -u +%H:%M:%S)" "$(($(date +%s) - LOG_STARTED))" "$*" >&"${LOG_FD:-2}"
}

# Go for the builds: the one on PATH, else /usr/local/go/bin/go, set to build static binaries from modules alone with
# the local toolchain (nothing but Go modules can be downloaded here). $1 says what needs it, for the error.
require_go() {
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "$LOG_NAME: Go is needed to build $1 (apt-get install golang, or put go on PATH)" >&2
    exit 1
  fi
  export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
}

# One build at a time per lock file (the tests, the demo and a developer may all call a build script): a second
# caller waits here, then finds the build done. Held until the script exits.
build_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$1"
  if ! flock -n 9; then
    log "another build holds $1; waiting for it"
    flock 9
  fi
}

# `<build script> --path` only prints where the script's result goes (the tests look there) and builds nothing: called
# with that path and the script's arguments.
print_path_if_asked() {
  if [ "${2:-}" = --path ]; then
    echo "$1"
    exit 0
  fi
}

# Prints the path of binary $2 in folder $1, built first unless it is there, from Go package $3 (`path@version`);
# $4 adds to -ldflags. `go install` goes into a temporary folder and the binary is renamed into place, so an
# interrupted build never leaves a half-written binary that a later run would take for a good one.
go_install_cached() {
  local dir=$1 name=$2 package=$3 ldflags="-s -w${4:+ $4}"
  if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  require_go "$name"
  mkdir -p "$dir"
  build_lock "$dir/.build.lock"
  if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  GO_INSTALL_TMP="$(mktemp -d "$dir/.tmp.XXXXXX")"
  trap 'rm -rf "$GO_INSTALL_TMP"' EXIT
  log "building $package with $(go env GOVERSION) (takes minutes on a small machine)"
  GOBIN="$GO_INSTALL_TMP" go install -trimpath -ldflags="$ldflags" "$package"
  mv "$GO_INSTALL_TMP/$name" "$dir/$name"
  log "built $dir/$name ($(du -h "$dir/$name" | cut -f1))"
  echo "$dir/$name"
}

# Prints the folder of Go module $1 at version $2, downloaded first unless it is in the module cache. A failed
# download says why in the JSON's "Error" field, on stdout: it goes into the message.
module_source_dir() {
  local download dir
  if ! download="$(go mod download -json "$1@$2")"; then
    log "go mod download $1@$2 failed: $download"
    return 1
  fi
  dir="$(printf '%s\n' "$download" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] && [ -d "$dir" ] || { log "go mod download $1@$2 gave no folder: $download"; return 1; }
  echo "$dir"
}

# Builds commands of Go module $1 at version $2 into folder $3, one `<binary>=<package>` argument each (e.g.
# `adapter=./cmd/adapter`), unless all are there; prints nothing (the caller prints its paths). `go install
# <module>@<version>` asks the proxy for the module's version list (to look for a deprecation notice), which the proxy
# refuses for some modules, and ignores the module's replace directives; so the exact version is downloaded and built
# in a copy of its folder, as its own main module (its go.mod and go.sum pin every dependency). The binaries are
# renamed into place, so an interrupted build never leaves a half-written one. Every step returns on failure, since
# a caller's `if` or `||` turns `set -e` off inside the function. Holds the folder's build lock until the script
# exits.
build_module_commands() {
  local module=$1 version=$2 dir=$3 target module_dir work
  shift 3
  commands_built "$dir" "$@" && return 0
  require_go "$module"
  mkdir -p "$dir"
  build_lock "$dir/.build.lock"
  commands_built "$dir" "$@" && return 0
  module_dir="$(module_source_dir "$module" "$version")" || return 1
  work="$(mktemp -d "$dir/.tmp.XXXXXX")" || return 1
  if ! build_in_copy "$module_dir" "$work" "$module@$version" "$@"; then
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
    return 1
  fi
  for target in "$@"; do
    mv "$work/${target%%=*}" "$dir/${target%%=*}" || return 1
    log "built $dir/${target%%=*} ($(du -h "$dir/${target%%=*}" | cut -f1))"
  done
  chmod -R u+w "$work" && rm -rf "$work"
}

# Whether folder $1 holds every `<binary>=<package>` binary named after it.
commands_built() {
  local dir=$1 target
  shift
  for target in "$@"; do [ -x "$dir/${target%%=*}" ] || return 1; done
}

# build_module_commands' build: module folder $1 copied into $2/src, each `<binary>=<package>` after $3 (the name in
# the log) built into $2.
build_in_copy() {
  local module_dir=$1 work=$2 name=$3 target
  shift 3
  cp -R "$module_dir/." "$work/src" && chmod -R u+w "$work/src" || return 1
  for target in "$@"; do
    log "building $name ${target#*=} with $(go env GOVERSION) (takes minutes on a small machine)"
    (cd "$work/src" && go build -trimpath -ldflags="-s -w" -o "$work/${target%%=*}" "${target#*=}") || return 1
  done
}

# The compiled program, made afresh: the tiers run it as the image does, and a file the build no longer makes must
# not linger from an earlier build.
build_dist() {
  rm -rf dist
  npm run --silent build
}

# The life of a tier that starts processes for its tests (hack/e2e.sh, hack/real-node.sh). The script defines
# tier_down, which gets the tests' exit status and stops, by pid, what the tier started; tier_begin makes sure it runs
# whatever happens; tier_run_tests runs the tests and exits with their status.
TIER_STATUS=1
TIER_TEST_PID=
tier_say() { echo "$LOG_NAME: $*" >&2; }
tier_elapsed() { echo "$(($(date +%s) - LOG_STARTED))s"; }

tier_finish() {
  # Interrupted: stop the test runner (by its pid) before what it runs against goes away under it.
  if [ -n "$TIER_TEST_PID" ]; then
    kill "$TIER_TEST_PID" 2>/dev/null || true
    wait "$TIER_TEST_PID" 2>/dev/null || true
  fi
  tier_down "$TIER_STATUS"
  tier_say "finished in $(tier_elapsed) (exit $TIER_STATUS)"
}

tier_begin() {
  trap tier_finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# hack/run-tests.sh with these arguments, in the background and waited for: bash runs a trap only between commands,
# so a test run in the foreground would delay the clean-up of an interrupted tier until every test had finished.
tier_run_tests() {
  bash hack/run-tests.sh "$@" &
  TIER_TEST_PID=$!
  set +e
  wait "$TIER_TEST_PID"
  TIER_STATUS=$?
  set -e
  TIER_TEST_PID=
  exit "$TIER_STATUS"
}
