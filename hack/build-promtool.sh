#!/usr/bin/env bash
# Builds promtool, Prometheus' rule checker, which the test command runs on the alert rules (`promtool check rules`,
# `promtool test rules`), from its Go module through the `go` command, because nothing but Go modules, npm and Debian
# packages can be downloaded here. Idempotent and keyed by version: a warm machine finds the binary in the cache and
# exits at once. Prints the binary's path on stdout (the last line); progress goes to stderr. The cache lives outside
# the repository.
#
#   PROMTOOL_MODULE_VERSION  the module version of github.com/prometheus/prometheus (default: testbed/versions.env)
#   PROMTOOL_BIN_DIR         where the binary goes (default: $CACHE_ROOT/promtool-<version>)
#
#   bash hack/build-promtool.sh          build unless cached; print the path
#   bash hack/build-promtool.sh --path   only print the path it builds to (the tests look there; nothing is built)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # PROMTOOL_MODULE_VERSION (testbed/versions.env), CACHE_ROOT

VERSION="$PROMTOOL_MODULE_VERSION"
BIN_DIR="${PROMTOOL_BIN_DIR:-$CACHE_ROOT/promtool-$VERSION}"
PROMTOOL="$BIN_DIR/promtool"

if [ "${1:-}" = --path ]; then
  echo "$PROMTOOL"
  exit 0
fi
if [ -x "$PROMTOOL" ]; then
  echo "$PROMTOOL"
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || {
  echo "build-promtool: Go is needed to build promtool (apt-get install golang, or put go on PATH)" >&2
  exit 1
}

mkdir -p "$BIN_DIR"
started=$(date +%s)
log() { printf '[build-promtool %s %4ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - started))" "$*" >&2; }

# One build at a time per cache: a second caller waits here, then finds the binary built.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN_DIR/.build.lock"
  if ! flock -n 9; then
    log "another build holds $BIN_DIR/.build.lock; waiting for it"
    flock 9
  fi
  if [ -x "$PROMTOOL" ]; then
    echo "$PROMTOOL"
    exit 0
  fi
fi

# `go install` into a temporary directory, then rename: an interrupted build never leaves a half-written binary that
# a later run would take for a good one.
tmp="$(mktemp -d "$BIN_DIR/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "building github.com/prometheus/prometheus/cmd/promtool@$VERSION with $(go env GOVERSION) (takes minutes on a small machine)"
CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN="$tmp" \
  go install -trimpath -ldflags="-s -w" "github.com/prometheus/prometheus/cmd/promtool@$VERSION"
mv "$tmp/promtool" "$PROMTOOL"
log "built $PROMTOOL ($(du -h "$PROMTOOL" | cut -f1))"
echo "$PROMTOOL"
