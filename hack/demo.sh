#!/usr/bin/env bash
# The demo: a real local control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK), an FE simulator
# standing in for StarRocks, and the operator. It applies the seed's example files, shows the CNs joining the FE,
# scales out, scales in (the highest ordinals leave the FE first), shows the status, then stops everything it
# started, by pid. Everything listens on loopback; nothing is dialled anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cn-operator-demo.XXXXXX")"
CP=(node --import tsx test/support/control-plane/main.ts)
PIDS=()
NS=starrocks
CNG=computenodegroup-sample

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
  say "stopping everything the demo started"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  "${CP[@]}" down --dir "$RUN_DIR/cluster" >/dev/null 2>&1 || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

# Waits up to $1 seconds for the command after it to succeed.
wait_until() {
  local limit=$1; shift
  for _ in $(seq 1 "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "demo: gave up after ${limit}s waiting for: $*" >&2
  return 1
}

registered_is() { [ "$("$KUBECTL" get cng -n "$NS" "$CNG" -o jsonpath='{.status.registeredReplicas}')" = "$1" ]; }
fe_nodes() {
  mysql -h 127.0.0.1 -P "$FE_PORT" -u root -N -e 'SHOW COMPUTE NODES' | awk -F'\t' '{printf "  %s:%s  alive=%s\n", $2, $3, $9}' | sort -V
}
fe_count_is() { [ "$(mysql -h 127.0.0.1 -P "$FE_PORT" -u root -N -e 'SHOW COMPUTE NODES' | wc -l)" = "$1" ]; }

say "preparing (npm packages, control-plane binaries: the first run builds them, see docs/testing.md)"
bash hack/prerequisites.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/build-control-plane.sh >/dev/null

say "starting a local Kubernetes control plane"
"${CP[@]}" up --dir "$RUN_DIR/cluster" >/dev/null
eval "$("${CP[@]}" env --dir "$RUN_DIR/cluster")"
"$KUBECTL" get nodes

say "starting an FE simulator (StarRocks 3.3, MySQL protocol on loopback)"
node --import tsx test/support/fe-simulator/main.ts --port 0 --version 3.3 --assume-alive --heartbeat-ms 1000 \
  >"$RUN_DIR/fe.log" 2>&1 &
PIDS+=($!)
wait_until 30 grep -q '"listening"' "$RUN_DIR/fe.log"
FE_PORT="$(sed -n 's/.*"ports":\[\([0-9]*\).*/\1/p' "$RUN_DIR/fe.log" | head -n 1)"
echo "FE at 127.0.0.1:$FE_PORT"

say "installing the CRD and RBAC as the seed does (kubectl apply -f deploy/...)"
for f in starrocks.com_computenodegroups namespace leader_election_role role role_binding leader_election_role_binding service_account; do
  "$KUBECTL" apply -f "deploy/$f.yaml"
done
wait_until 30 "$KUBECTL" get --raw /apis/starrocks.com/v1alpha1

say "starting the operator (here as a local process; in a cluster it is deploy/manager.yaml)"
OPERATOR_IMAGE=starrocks-cn-operator:0.1.0 node --import tsx src/cli/main.ts manager \
  --metrics-bind-address=0 --health-probe-bind-address=0 --fe-sync-period=2s >"$RUN_DIR/operator.log" 2>&1 &
PIDS+=($!)

say "applying the seed's examples (fe-account.yaml, cn-config.yaml, cn.yaml with the FE address filled in)"
"$KUBECTL" apply -f examples/cn/fe-account.yaml -f examples/cn/cn-config.yaml
sed "s/127.0.0.1:9030/127.0.0.1:$FE_PORT/" examples/cn/cn.yaml | "$KUBECTL" apply -f -
wait_until 120 registered_is 4
"$KUBECTL" get cng -n "$NS"
"$KUBECTL" get pods -n "$NS" -l app.kubernetes.io/instance="$CNG" -o wide
echo; echo "The FE's compute nodes:"; fe_nodes

say "scaling out to 6: kubectl scale cng --replicas=6"
"$KUBECTL" scale cng -n "$NS" "$CNG" --replicas=6
wait_until 120 registered_is 6
"$KUBECTL" get cng -n "$NS"
echo; echo "The FE's compute nodes:"; fe_nodes

say "scaling in to 3: ordinals 5, 4, 3 leave the FE first, then their pods stop"
"$KUBECTL" scale cng -n "$NS" "$CNG" --replicas=3
wait_until 120 fe_count_is 3
wait_until 120 registered_is 3
"$KUBECTL" get cng -n "$NS"
"$KUBECTL" get pods -n "$NS" -l app.kubernetes.io/instance="$CNG"
echo; echo "The FE's compute nodes:"; fe_nodes

say "the group's status and events (kubectl describe cng)"
"$KUBECTL" describe cng -n "$NS" "$CNG" | sed -n '/^Status:/,$p'
echo; echo "Operator log: the FE changes it made"
grep -a -E 'added compute nodes|dropped compute nodes' "$RUN_DIR/operator.log" | cut -c1-220 || true
say "done"
