#!/usr/bin/env bash
# The end-to-end tier: starts one real control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok, the metrics.k8s.io backend) on loopback for all e2e tests, runs them, and always stops
# every process it started, by pid, whatever happens. The operator and cngctl run from the compiled build (dist/),
# made afresh here, as the image runs them.
#   bash hack/e2e.sh                      # every test under test/e2e and testbed/test/e2e
#   bash hack/e2e.sh test/e2e/foo.test.ts # only these files
# The binaries come from bash hack/build-control-plane.sh. The run folder (logs, audit log) is kept on failure
# or with E2E_KEEP_RUN_DIR=1; its path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh # tier_begin, tier_run_tests, build_dist
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/cn-operator-e2e.XXXXXX")"
cli=(node --import tsx testbed/control-plane/main.ts)

# The run folder goes after a passing run (unless E2E_KEEP_RUN_DIR=1); after a failing one it stays, for its logs.
tier_down() {
  "${cli[@]}" down --dir "$run_dir" || tier_say "stopping the control plane failed; see $run_dir"
  if [ "$1" -eq 0 ] && [ "${E2E_KEEP_RUN_DIR:-0}" != 1 ]; then
    rm -rf "$run_dir"
  else
    tier_say "control plane files and logs kept in $run_dir"
  fi
}
tier_begin

build_dist
tier_say "built dist/ after $(tier_elapsed)"

env_lines="$("${cli[@]}" up --dir "$run_dir")"
eval "$env_lines"
tier_say "control plane up after $(tier_elapsed); KUBECONFIG=$KUBECONFIG"

# One file at a time whatever the machine's cores: the files share one control plane and its cluster-wide objects
# (the CRD, the custom metrics APIService that the operator and prometheus-adapter each register).
if [ "$#" -gt 0 ]; then
  tier_run_tests "$@" -- --test-concurrency=1
else
  tier_run_tests test/e2e testbed/test/e2e -- --test-concurrency=1
fi
