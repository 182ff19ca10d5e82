#!/usr/bin/env bash
# Builds the upstream Kubernetes control-plane binaries the end-to-end tests and the demo run, from Go modules
# through the `go` command (nothing else can be downloaded here). Idempotent and keyed by version: a warm machine
# finds every binary in the cache and exits in about a second. The cache lives outside the repository.
#
#   K8S_TEST_BIN   where the binaries go      (default: <cache>/k8s-v<version>)
#   K8S_TEST_BUILD where the helper modules go (default: <cache>/build)
# <cache>: CACHE_ROOT of hack/lib.sh (~/.cache/starrocks-cn-operator), set in testbed/versions.env with the versions.
set -euo pipefail
. "$(dirname "$0")/lib.sh" # the versions (testbed/versions.env), CACHE_ROOT, require_go, build_lock, log

BIN="${K8S_TEST_BIN:-$CACHE_ROOT/k8s-v$KUBE_VERSION}"
SRC="${K8S_TEST_BUILD:-$CACHE_ROOT/build}"

require_go "the test control plane"
mkdir -p "$BIN" "$SRC"
# Progress goes to stdout here, before the folder on the last line: the demo indents it, bench/run.sh silences it.
LOG_FD=1
build_lock "$CACHE_ROOT/.build.lock"

minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
staging="v0.${KUBE_VERSION#1.}"

# Each binary is built into a temporary name and renamed, so an interrupted build never leaves a half-written
# binary that a later run would take for a good one.
build_kube() {
  local d="$SRC/kube-$KUBE_VERSION"
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init local.test/kube-bins >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@v$KUBE_VERSION"
  go mod download "k8s.io/kubernetes@v$KUBE_VERSION"
  local modfile
  modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$KUBE_VERSION.mod"
  for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$modfile"); do
    go mod edit -replace="$m=$m@$staging"
  done
  go mod edit -require="k8s.io/kubernetes@v$KUBE_VERSION"
  # kwok joins the same module: it needs the same k8s.io libraries (v0.36.1, raised to the staging version here),
  # so its build reuses what the control plane compiled instead of compiling its own copy (20 minutes alone).
  go mod edit -require="sigs.k8s.io/kwok@v$KWOK_VERSION"
  printf '%s\n' '//go:build tools' '' 'package tools' '' 'import (' \
    '	_ "k8s.io/kubernetes/cmd/kube-apiserver"' \
    '	_ "k8s.io/kubernetes/cmd/kube-controller-manager"' \
    '	_ "k8s.io/kubernetes/cmd/kube-scheduler"' \
    '	_ "k8s.io/kubernetes/cmd/kubectl"' \
    '	_ "k8s.io/kubernetes/cmd/kubelet"' \
    '	_ "sigs.k8s.io/kwok/cmd/kwok"' ')' > tools.go
  log "resolving modules (go mod tidy)"
  go mod tidy
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kwok (the long part)"
  mkdir -p "$d/out"
  go build -trimpath -pgo=off -tags=selinux,notest,grpcnotrace -ldflags="$ld" -o "$d/out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet
  go build -trimpath -pgo=off -ldflags="-s -w" -o "$d/out/" sigs.k8s.io/kwok/cmd/kwok
  mv "$d"/out/* "$BIN/"
}

build_etcd() {
  local d="$SRC/etcd-$ETCD_VERSION"
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init local.test/etcd-bin >/dev/null 2>&1
  go mod edit -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  printf '%s\n' '//go:build tools' '' 'package tools' '' 'import _ "go.etcd.io/etcd/server/v3"' > tools.go
  log "resolving etcd v$ETCD_VERSION"
  go mod tidy
  log "compiling etcd"
  go build -trimpath -ldflags="-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
}


if "$BIN/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes v$KUBE_VERSION" \
   && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kube-scheduler" ] && [ -x "$BIN/kubectl" ] \
   && [ -x "$BIN/kubelet" ] && "$BIN/kwok" --version 2>/dev/null | grep -q "$KWOK_VERSION"; then
  log "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet v$KUBE_VERSION, kwok $KWOK_VERSION: cached"
else
  build_kube
fi
if "$BIN/etcd" --version 2>/dev/null | grep -q "etcd Version: $ETCD_VERSION"; then
  log "etcd $ETCD_VERSION: cached"
else
  build_etcd
fi

# KWOK's stage configs ship in its module; copy the ones the control plane uses next to the binaries.
KWOK_SRC="$(GOFLAGS= go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize"
if [ ! -d "$KWOK_SRC" ]; then (cd "$SRC" && GOFLAGS= go mod download -x "sigs.k8s.io/kwok@v$KWOK_VERSION" >/dev/null 2>&1 || true); fi
for f in stage/node/fast/node-initialize.yaml stage/node/heartbeat/node-heartbeat.yaml \
         stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml stage/pod/fast/pod-delete.yaml; do
  install -m 0644 "$KWOK_SRC/$f" "$BIN/kwok-$(basename "$f")"
done
log "binaries in $BIN ($(du -sh "$BIN" | cut -f1))"
echo "$BIN"
