#!/usr/bin/env bash
# Writes the Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, so the chart's end-to-end test can have the
# real API server judge the chart's optional monitoring objects. The Prometheus Operator publishes its CRDs only as
# release files, which cannot be downloaded here; its API types are a Go module, so the CRDs are generated from them
# with controller-gen, as that project does. Idempotent and keyed by version; prints the directory (last line).
#
#   PROMETHEUS_OPERATOR_VERSION  version of github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring
#   CONTROLLER_TOOLS_VERSION     version of sigs.k8s.io/controller-tools (controller-gen)
# (defaults: testbed/versions.env)
#
#   bash hack/build-monitoring-crds.sh          build unless cached; print the directory
#   bash hack/build-monitoring-crds.sh --path   only print the directory (nothing is built)
set -euo pipefail
. "$(dirname "$0")/lib.sh" # the versions (testbed/versions.env), CACHE_ROOT, require_go, build_lock, log

PO_VERSION="$PROMETHEUS_OPERATOR_VERSION"
CT_VERSION="$CONTROLLER_TOOLS_VERSION"
OUT="$CACHE_ROOT/prometheus-operator-crds-$PO_VERSION"
WANTED=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

print_path_if_asked "$OUT" "$@"
complete() { for file in "${WANTED[@]}"; do [ -s "$OUT/$file" ] || return 1; done; }
if complete; then
  echo "$OUT"
  exit 0
fi

require_go "controller-gen and the CRDs"
mkdir -p "$CACHE_ROOT"
build_lock "$CACHE_ROOT/.monitoring-crds.lock"
if complete; then
  echo "$OUT"
  exit 0
fi

work="$(mktemp -d "$CACHE_ROOT/.monitoring-crds.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log "building controller-gen $CT_VERSION (a few minutes on a small machine)"
GOBIN="$work/bin" go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CT_VERSION"
log "generating the CRDs from github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring@$PO_VERSION"
module=$(go mod download -json "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring@$PO_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$module" "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && go mod download && "$work/bin/controller-gen" \
  crd:crdVersions=v1,allowDangerousTypes=true,maxDescLen=0 paths=./v1/... output:crd:dir="$work/crds")
mkdir -p "$OUT.tmp"
for file in "${WANTED[@]}"; do cp "$work/crds/$file" "$OUT.tmp/$file"; done
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
log "wrote ${WANTED[*]} to $OUT"
echo "$OUT"
