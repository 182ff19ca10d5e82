#!/usr/bin/env bash
# The demo: a real local control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK), an FE simulator
# standing in for StarRocks, and the operator. It applies the seed's example files, shows the CNs joining the FE,
# scales out, scales in (the highest ordinals leave the FE first), shows the status, then autoscales on queries: a
# burst of simulated queries queues in the FE, the HPA reads the group's query_load from the operator's custom
# metrics API and scales out, the burst ends and the group scales back in, each leaving CN dropped from the FE first.
# Then it stops everything it started, by pid. Everything listens on loopback; nothing is dialled anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh # CACHE_ROOT
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cn-operator-demo.XXXXXX")"
CP=(node --import tsx testbed/control-plane/main.ts)
PIDS=()
NS=starrocks
CNG=computenodegroup-sample

DEMO_STARTED=$(date +%s)
# A line per step, with the time since the demo started.
say() { printf '\n\033[1m== [%4ss] %s\033[0m\n' "$(($(date +%s) - DEMO_STARTED))" "$*"; }

cleanup() {
  say "stopping everything the demo started"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "${KUBECTL:-}" ]; then
    "$KUBECTL" delete apiservice v1beta2.custom.metrics.k8s.io --ignore-not-found >/dev/null 2>&1 || true
  fi
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

say "preparing: Debian and npm packages, then the Kubernetes binaries"
cat <<NOTE
  The first run builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl, etcd and KWOK from
  their Go modules, once: about 8 minutes on 2 cores (490 s measured on empty caches), 405 MB of binaries in
  $CACHE_ROOT plus Go's module and build caches. Later runs find them cached and go straight to
  the demo. Progress follows, a line per step with its elapsed time.
NOTE
bash hack/prerequisites.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/build-control-plane.sh 2>&1 | sed 's/^/  /'

say "starting a local Kubernetes control plane"
"${CP[@]}" up --dir "$RUN_DIR/cluster" 2>&1 >/dev/null | sed 's/^/  /'
eval "$("${CP[@]}" env --dir "$RUN_DIR/cluster")"
"$KUBECTL" get nodes

say "starting an FE simulator (StarRocks 3.3, MySQL protocol on loopback)"
echo '{"runningPerNode":0}' >"$RUN_DIR/load.json"
node --import tsx testbed/fe-simulator/main.ts --port 0 --version 3.3 --assume-alive --heartbeat-ms 1000 \
  --load-file "$RUN_DIR/load.json" >"$RUN_DIR/fe.log" 2>&1 &
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
# Its custom metrics API listens on loopback behind an ExternalName Service (no kube-proxy here), with the local
# control plane's serving certificate, which names that Service.
METRICS_PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
mkdir -p "$RUN_DIR/tls"
cp "$RUN_DIR/cluster/pki/serving.crt" "$RUN_DIR/tls/tls.crt"
cp "$RUN_DIR/cluster/pki/serving.key" "$RUN_DIR/tls/tls.key"
cp "$RUN_DIR/cluster/pki/ca.crt" "$RUN_DIR/tls/ca.crt"
"$KUBECTL" create service externalname cn-operator-custom-metrics -n kube-system --external-name 127.0.0.1
OPERATOR_IMAGE=starrocks-cn-operator:0.1.0 node --import tsx src/cli/main.ts manager \
  --metrics-bind-address=0 --health-probe-bind-address=0 --fe-sync-period=2s \
  --custom-metrics-bind-address="127.0.0.1:$METRICS_PORT" --custom-metrics-cert-dir="$RUN_DIR/tls" \
  --custom-metrics-service="kube-system/cn-operator-custom-metrics:$METRICS_PORT" >"$RUN_DIR/operator.log" 2>&1 &
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

say "autoscaling on queries: autoScalingPolicy.queries.targetPerCN = 4 (running + queued queries per CN)"
# A merge patch: the seed's CPU and memory metrics go (null), its scale-down (selectPolicy Disabled) is replaced.
"$KUBECTL" patch cng -n "$NS" "$CNG" --type=merge -p '{"spec":{"autoScalingPolicy":{"minReplicas":1,"maxReplicas":6,
  "queries":{"targetPerCN":4},"hpaPolicy":{"metrics":null,"behavior":{
  "scaleUp":{"stabilizationWindowSeconds":0,"policies":[{"type":"Pods","value":6,"periodSeconds":5}]},
  "scaleDown":{"stabilizationWindowSeconds":10,"selectPolicy":"Max","policies":[{"type":"Pods","value":6,"periodSeconds":5}]}}}}}}'
api_available() {
  [ "$("$KUBECTL" get apiservice v1beta2.custom.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" = True ]
}
wait_until 60 api_available
METRIC=/apis/custom.metrics.k8s.io/v1beta2/namespaces/$NS/computenodegroups.starrocks.com/$CNG/query_load
query_load() { "$KUBECTL" get --raw "$METRIC" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p'; }
query_load_is() { [ "$(query_load)" = "$1" ]; }
wait_until 60 query_load_is 0
echo "kubectl get --raw $METRIC -> query_load $(query_load)"
echo "no query runs: the HPA takes the group down to its minimum, 1 CN"
wait_until 180 registered_is 1
say "a burst: every CN runs 4 queries and 12 more wait in the FE's queue (SHOW RUNNING QUERIES)"
echo '{"runningPerNode":4,"cpuUsedPercent":95,"running":4,"pending":12}' >"$RUN_DIR/load.json"
wait_until 60 query_load_is 16
echo "query_load $(query_load): 1 CN x 4 running + 12 queued; at 4 per CN the HPA wants 4 CNs, then more as they fill"
wait_until 180 registered_is 6
load_alive_is() { [ "$("$KUBECTL" get cng -n "$NS" "$CNG" -o jsonpath='{.status.load.aliveComputeNodes}')" = "$1" ]; }
wait_until 60 load_alive_is 6
echo "query_load $(query_load): the group is at its maximum, 6 CNs"
"$KUBECTL" get hpa -n "$NS" "$CNG"
echo "status.load: $("$KUBECTL" get cng -n "$NS" "$CNG" -o jsonpath='{.status.load}')"
echo; echo "The FE's compute nodes:"; fe_nodes
say "the burst is over: the queue drains, the HPA lowers replicas, each leaving CN leaves the FE first"
echo '{"runningPerNode":0}' >"$RUN_DIR/load.json"
wait_until 180 registered_is 1
wait_until 120 fe_count_is 1
"$KUBECTL" get cng -n "$NS" "$CNG"
echo; echo "The FE's compute nodes:"; fe_nodes

say "the group's status and events (kubectl describe cng)"
"$KUBECTL" describe cng -n "$NS" "$CNG" | sed -n '/^Status:/,$p'
echo; echo "Operator log: the FE changes it made"
grep -a -E 'added compute nodes|dropped compute nodes' "$RUN_DIR/operator.log" | cut -c1-220 || true
say "done"
