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
. "$(dirname "$0")/lib.sh" # PROMETHEUS_ADAPTER_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, build_module_commands

BIN_DIR="${PROMETHEUS_ADAPTER_BIN_DIR:-$CACHE_ROOT/prometheus-adapter-$PROMETHEUS_ADAPTER_VERSION}"
print_path_if_asked "$BIN_DIR/adapter" "$@"
# The module proxy refuses this module's version list but serves the exact version (build_module_commands).
build_module_commands sigs.k8s.io/prometheus-adapter "$PROMETHEUS_ADAPTER_VERSION" "$BIN_DIR" adapter=./cmd/adapter
echo "$BIN_DIR/adapter"
