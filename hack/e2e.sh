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
started=$(date +%s)
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/cn-operator-e2e.XXXXXX")"
cli=(node --import tsx testbed/control-plane/main.ts)
status=1

test_pid=
finish() {
  # Interrupted: stop the test runner (by its pid) before the control plane goes away under it.
  if [ -n "$test_pid" ]; then kill "$test_pid" 2>/dev/null || true; wait "$test_pid" 2>/dev/null || true; fi
  "${cli[@]}" down --dir "$run_dir" || echo "e2e: stopping the control plane failed; see $run_dir" >&2
  if [ "$status" -eq 0 ] && [ "${E2E_KEEP_RUN_DIR:-0}" != 1 ]; then
    rm -rf "$run_dir"
  else
    echo "e2e: control plane files and logs kept in $run_dir" >&2
  fi
  echo "e2e: finished in $(( $(date +%s) - started ))s (exit $status)" >&2
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The tests run the compiled program as the image does; a fresh build, so a file the build no longer makes cannot
# linger from an earlier one.
rm -rf dist
npm run --silent build
echo "e2e: built dist/ after $(( $(date +%s) - started ))s" >&2

env_lines="$("${cli[@]}" up --dir "$run_dir")"
eval "$env_lines"
echo "e2e: control plane up after $(( $(date +%s) - started ))s; KUBECONFIG=$KUBECONFIG" >&2

# The tests run in the background and the script waits for them: bash runs a trap only between commands, so a
# foreground test run would delay the clean-up of an interrupted run until every test had finished.
if [ "$#" -gt 0 ]; then
  bash hack/run-tests.sh "$@" &
else
  bash hack/run-tests.sh test/e2e testbed/test/e2e &
fi
test_pid=$!
set +e
wait "$test_pid"
status=$?
set -e
test_pid=
exit "$status"
