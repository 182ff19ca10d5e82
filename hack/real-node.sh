#!/usr/bin/env bash
# The real-node tier: real pods of the project's own images on a real kubelet. Builds dist/ and the test images
# (OCI archives, no container engine), proves that a killed run's leftovers are found and removed, then starts one
# bare control plane with a kubelet node (containerd, runc, the CNI bridge of the test) for every test under
# test/real-node, and always removes it all again: processes by pid, mounts, iptables chains, network namespaces,
# cgroups, and the sysctls the kubelet changes are restored.
#   bash hack/real-node.sh                           # every test under test/real-node
#   bash hack/real-node.sh test/real-node/foo.test.ts
# Needs root (network, cgroups, mounts) and the Debian packages hack/prerequisites.sh installs when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh # PAUSE_IMAGE (testbed/versions.env), CACHE_ROOT
started=$(date +%s)
export REAL_NODE_ROOT="${REAL_NODE_ROOT:-/var/lib/starrocks-cn-real-node}"
images_dir="$CACHE_ROOT/images/out"
node_cli=(node --import tsx testbed/real-node/main.ts)
status=1
test_pid=
elapsed() { echo "$(( $(date +%s) - started ))s"; }

finish() {
  if [ -n "$test_pid" ]; then kill "$test_pid" 2>/dev/null || true; wait "$test_pid" 2>/dev/null || true; fi
  if [ "$status" -eq 0 ]; then
    "${node_cli[@]}" down || echo "real-node: clean-up failed" >&2
  else
    "${node_cli[@]}" down --keep-logs || echo "real-node: clean-up failed" >&2
    echo "real-node: logs kept in $REAL_NODE_ROOT/logs" >&2
  fi
  echo "real-node: finished in $(elapsed) (exit $status)" >&2
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" != 0 ]; then echo "real-node: needs root (bridge, iptables, cgroups, mounts)" >&2; exit 1; fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  rm -rf dist
  npm run --silent build
fi
mkdir -p "$images_dir"
node --import tsx testbed/images/main.ts build --out "$images_dir" >"$images_dir/images.jsonl"
echo "real-node: dist/ and images built after $(elapsed)" >&2
mapfile -t archives < <(find "$images_dir" -maxdepth 1 -name '*.tar' | sort)
export REAL_NODE_IMAGES="${archives[*]}" # for the harness test (paths without spaces: the cache folder)

# The leftovers of a killed run (its own bring-up, killed with SIGKILL) are found and removed by the next one.
# (Run with the whole tier, not when only some test files are asked for.)
if [ "$#" -eq 0 ]; then
  bash hack/run-tests.sh testbed/test/real-node
  echo "real-node: harness test done after $(elapsed)" >&2
fi

env_lines="$("${node_cli[@]}" up --image "${archives[@]}" --sandbox-image "$PAUSE_IMAGE")"
eval "$env_lines"
echo "real-node: node up after $(elapsed)" >&2

if [ "$#" -gt 0 ]; then
  bash hack/run-tests.sh "$@" -- --test-concurrency=1 &
else
  bash hack/run-tests.sh test/real-node/pods -- --test-concurrency=1 &
fi
test_pid=$!
set +e
wait "$test_pid"
status=$?
set -e
test_pid=
exit "$status"
