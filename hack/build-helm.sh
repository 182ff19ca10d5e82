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
. "$(dirname "$0")/lib.sh" # HELM_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, go_install_cached

BIN_DIR="${HELM_BIN_DIR:-$CACHE_ROOT/helm-v$HELM_VERSION}"
print_path_if_asked "$BIN_DIR/helm" "$@"
# The version is stamped the way Helm's own Makefile does it, so `helm version` tells the truth.
go_install_cached "$BIN_DIR" helm "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" \
  "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
