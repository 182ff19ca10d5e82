#!/usr/bin/env bash
# Builds the Helm v3 client the chart's end-to-end test runs (`helm template`), from its Go module through the `go`
# command, because nothing but Go modules, npm and Debian packages can be downloaded here. Idempotent and keyed by
# version: a warm machine finds the binary in the cache and exits at once. Prints the binary's path on stdout (the
# last line); progress goes to stderr. The cache lives outside the repository.
#
#   HELM_VERSION  the Helm release to build   (default: testbed/versions.env; its go.mod must accept the local Go)
#   HELM_BIN_DIR  where the binary goes       (default: $CACHE_ROOT/helm-v<version>)
#
#   bash hack/build-helm.sh          build unless cached; print the path
#   bash hack/build-helm.sh --path   only print the path it builds to (the tests look there; nothing is built)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # HELM_VERSION (testbed/versions.env), CACHE_ROOT

BIN_DIR="${HELM_BIN_DIR:-$CACHE_ROOT/helm-v$HELM_VERSION}"
HELM="$BIN_DIR/helm"

if [ "${1:-}" = --path ]; then
  echo "$HELM"
  exit 0
fi

if [ -x "$HELM" ]; then
  echo "$HELM"
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || {
  echo "build-helm: Go is needed to build helm (apt-get install golang, or put go on PATH)" >&2
  exit 1
}

mkdir -p "$BIN_DIR"
started=$(date +%s)
log() { printf '[build-helm %s %4ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - started))" "$*" >&2; }

# One build at a time per cache (the tests and a developer may both call this script): a second caller waits here,
# then finds the binary built.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN_DIR/.build.lock"
  if ! flock -n 9; then
    log "another build holds $BIN_DIR/.build.lock; waiting for it"
    flock 9
  fi
  if [ -x "$HELM" ]; then
    echo "$HELM"
    exit 0
  fi
fi

# `go install` into a temporary directory, then rename: an interrupted build never leaves a half-written binary that
# a later run would take for a good one. The version is stamped the way Helm's own Makefile does it, so
# `helm version` tells the truth.
tmp="$(mktemp -d "$BIN_DIR/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "building helm.sh/helm/v3/cmd/helm@v$HELM_VERSION with $(go env GOVERSION) (takes minutes on a small machine)"
CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN="$tmp" \
  go install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
mv "$tmp/helm" "$HELM"
log "built $HELM ($(du -h "$HELM" | cut -f1))"
echo "$HELM"
