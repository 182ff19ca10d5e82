#!/usr/bin/env bash
# Builds KEDA's operator and its metrics API server (github.com/kedacore/keda/v2, cmd/operator and cmd/adapter) from
# the Go module, for the e2e test of the documented route "KEDA on the operator's series" (docs/autoscaling.md); the
# test applies the CRDs from the same module folder. Idempotent and keyed by version: a warm machine finds the
# binaries in the cache and exits at once. Prints the folder on stdout (the last line): keda-operator,
# keda-adapter and crds/. Progress goes to stderr. The cache lives outside the repository.
#
#   KEDA_VERSION  the module version (default: testbed/versions.env)
#   KEDA_BIN_DIR  where the binaries go (default: $CACHE_ROOT/keda-<version>)
#
#   bash hack/build-keda.sh          build unless cached; print the folder
#   bash hack/build-keda.sh --path   only print the folder it builds into (the tests look there)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # KEDA_VERSION (testbed/versions.env), CACHE_ROOT, print_path_if_asked, build_module_commands

BIN_DIR="${KEDA_BIN_DIR:-$CACHE_ROOT/keda-$KEDA_VERSION}"
MODULE=github.com/kedacore/keda/v2
print_path_if_asked "$BIN_DIR" "$@"
# Its go.mod replaces several dependencies (k8s.io at 0.35, Prometheus' libraries): built as its own main module.
build_module_commands "$MODULE" "$KEDA_VERSION" "$BIN_DIR" keda-operator=./cmd/operator keda-adapter=./cmd/adapter
if [ ! -f "$BIN_DIR/crds/keda.sh_scaledobjects.yaml" ]; then
  require_go "KEDA's CRDs"
  build_lock "$BIN_DIR/.build.lock"
  if [ ! -f "$BIN_DIR/crds/keda.sh_scaledobjects.yaml" ]; then
    module_dir="$(module_source_dir "$MODULE" "$KEDA_VERSION")"
    rm -rf "$BIN_DIR/crds.tmp"
    mkdir -p "$BIN_DIR/crds.tmp"
    cp "$module_dir"/config/crd/bases/*.yaml "$BIN_DIR/crds.tmp/"
    chmod -R u+w "$BIN_DIR/crds.tmp"
    rm -rf "$BIN_DIR/crds"
    mv "$BIN_DIR/crds.tmp" "$BIN_DIR/crds"
  fi
fi
echo "$BIN_DIR"
