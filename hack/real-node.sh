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
. hack/lib.sh # PAUSE_IMAGE (testbed/versions.env), CACHE_ROOT, tier_begin, tier_run_tests, build_dist
export REAL_NODE_ROOT="${REAL_NODE_ROOT:-/var/lib/starrocks-cn-real-node}"
images_dir="$CACHE_ROOT/images/out"
node_cli=(node --import tsx testbed/real-node/main.ts)

# `down` removes the node again (processes by pid, mounts, chains, cgroups); after a failing run it keeps the logs.
tier_down() {
  if [ "$1" -eq 0 ]; then
    "${node_cli[@]}" down || tier_say "clean-up failed"
  else
    "${node_cli[@]}" down --keep-logs || tier_say "clean-up failed"
    tier_say "logs kept in $REAL_NODE_ROOT/logs"
  fi
}
tier_begin

if [ "$(id -u)" != 0 ]; then tier_say "needs root (bridge, iptables, cgroups, mounts)"; exit 1; fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then build_dist; fi
mkdir -p "$images_dir"
node --import tsx testbed/images/main.ts build --out "$images_dir" >"$images_dir/images.jsonl"
tier_say "dist/ and images built after $(tier_elapsed)"
mapfile -t archives < <(find "$images_dir" -maxdepth 1 -name '*.tar' | sort)
export REAL_NODE_IMAGES="${archives[*]}" # for the harness test (paths without spaces: the cache folder)

# The leftovers of a killed run (its own bring-up, killed with SIGKILL) are found and removed by the next one.
# (Run with the whole tier, not when only some test files are asked for.)
if [ "$#" -eq 0 ]; then
  bash hack/run-tests.sh testbed/test/real-node
  tier_say "harness test done after $(tier_elapsed)"
fi

env_lines="$("${node_cli[@]}" up --image "${archives[@]}" --sandbox-image "$PAUSE_IMAGE")"
eval "$env_lines"
tier_say "node up after $(tier_elapsed)"

if [ "$#" -gt 0 ]; then
  tier_run_tests "$@" -- --test-concurrency=1
else
  tier_run_tests test/real-node/pods -- --test-concurrency=1
fi
