#!/usr/bin/env bash
# Builds Prometheus, the server, from its Go module through the `go` command (the same module and version as
# promtool, testbed/versions.env), for the e2e test that scrapes the operator and evaluates the shipped alert rules.
# Built without its web UI assets (the module's default build): the API the test uses is all there. Idempotent and
# keyed by version: a warm machine finds the binary in the cache and exits at once. Prints the binary's path on
# stdout (the last line); progress goes to stderr. The cache lives outside the repository.
#
#   PROMTOOL_MODULE_VERSION  the module version of github.com/prometheus/prometheus (default: testbed/versions.env)
#   PROMETHEUS_BIN_DIR       where the binary goes (default: $CACHE_ROOT/prometheus-<version>)
#
#   bash hack/build-prometheus.sh          build unless cached; print the path
#   bash hack/build-prometheus.sh --path   only print the path it builds to (the tests look there; nothing is built)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # PROMTOOL_MODULE_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, go_install_cached

BIN_DIR="${PROMETHEUS_BIN_DIR:-$CACHE_ROOT/prometheus-$PROMTOOL_MODULE_VERSION}"
print_path_if_asked "$BIN_DIR/prometheus" "$@"
go_install_cached "$BIN_DIR" prometheus "github.com/prometheus/prometheus/cmd/prometheus@$PROMTOOL_MODULE_VERSION"
