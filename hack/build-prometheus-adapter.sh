#!/usr/bin/env bash
# Builds prometheus-adapter (sigs.k8s.io/prometheus-adapter, cmd/adapter) from its Go module through the `go` command,
# for the e2e test of the documented route "prometheus-adapter over the exported series" (docs/autoscaling.md).
# Idempotent and keyed by version: a warm machine finds the binary in the cache and exits at once. Prints the
# binary's path on stdout (the last line); progress goes to stderr. The cache lives outside the repository.
#
#   PROMETHEUS_ADAPTER_VERSION  the module version (default: testbed/versions.env)
#   PROMETHEUS_ADAPTER_BIN_DIR  where the binary goes (default: $CACHE_ROOT/prometheus-adapter-<version>)
#
#   bash hack/build-prometheus-adapter.sh          build unless cached; print the path
#   bash hack/build-prometheus-adapter.sh --path   only print the path it builds to (the tests look there)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # PROMETHEUS_ADAPTER_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, require_go, build_lock, log

BIN_DIR="${PROMETHEUS_ADAPTER_BIN_DIR:-$CACHE_ROOT/prometheus-adapter-$PROMETHEUS_ADAPTER_VERSION}"
MODULE=sigs.k8s.io/prometheus-adapter
print_path_if_asked "$BIN_DIR/adapter" "$@"
if [ -x "$BIN_DIR/adapter" ]; then echo "$BIN_DIR/adapter"; exit 0; fi
require_go adapter
mkdir -p "$BIN_DIR"
build_lock "$BIN_DIR/.build.lock"
if [ -x "$BIN_DIR/adapter" ]; then echo "$BIN_DIR/adapter"; exit 0; fi
# `go install <module>@<version>` asks the proxy for the module's version list (to look for a deprecation notice),
# which the proxy refuses for this module; the exact version downloads. So: download it, and build it in a copy of
# its folder, as its own main module (its go.mod and go.sum pin every dependency).
# A failed download says why in the JSON's "Error" field, on stdout: keep it for the message.
if ! DOWNLOAD="$(go mod download -json "$MODULE@$PROMETHEUS_ADAPTER_VERSION")"; then
  log "go mod download $MODULE@$PROMETHEUS_ADAPTER_VERSION failed: $DOWNLOAD"
  exit 1
fi
SOURCE="$(printf '%s\n' "$DOWNLOAD" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$SOURCE" ] || { log "go mod download $MODULE@$PROMETHEUS_ADAPTER_VERSION gave no folder: $DOWNLOAD"; exit 1; }
WORK="$(mktemp -d "$BIN_DIR/.tmp.XXXXXX")"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -R "$SOURCE/." "$WORK/src"
chmod -R u+w "$WORK/src"
log "building $MODULE@$PROMETHEUS_ADAPTER_VERSION with $(go env GOVERSION) (takes minutes on a small machine)"
(cd "$WORK/src" && go build -trimpath -ldflags="-s -w" -o "$WORK/adapter" ./cmd/adapter)
mv "$WORK/adapter" "$BIN_DIR/adapter"
log "built $BIN_DIR/adapter ($(du -h "$BIN_DIR/adapter" | cut -f1))"
echo "$BIN_DIR/adapter"
