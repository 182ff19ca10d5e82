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
. "$(dirname "$0")/lib.sh" # PROMTOOL_MODULE_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, go_install_cached

BIN_DIR="${PROMTOOL_BIN_DIR:-$CACHE_ROOT/promtool-$PROMTOOL_MODULE_VERSION}"
print_path_if_asked "$BIN_DIR/promtool" "$@"
go_install_cached "$BIN_DIR" promtool "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_MODULE_VERSION"
