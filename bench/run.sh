#!/usr/bin/env bash
# `npm run bench`: the benchmarks that run the operator as it ships (the compiled build) on a test control plane,
# one after the other (each starts and stops its own control plane; on 2 cores they must not overlap). They print
# their figures; the convergence one also writes its report and chart into bench-results/. About 75 minutes on a
# 2-core machine. Not part of the test command: figures are read, not asserted.
#   BENCH_GROUPS=1,10,100,300,1000 BENCH_SCALE_EVENTS=50 npm run bench
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-results
mkdir -p "$out"
bash hack/build-control-plane.sh >/dev/null
npm run --silent build
run() { printf '\n=== %s\n' "$*"; node --import tsx "$@"; }
run bench/convergence.ts --groups "${BENCH_GROUPS:-1,10,100,300,1000}" --report "$out/convergence.json" \
  --svg "$out/convergence.svg"
run bench/scale-events.ts --events "${BENCH_SCALE_EVENTS:-50}"
run bench/operator-memory.ts --groups 100 --cns 3
run bench/operator-memory.ts --groups 100 --cns 3 --unrelated-pods 10000 --unrelated-secrets 5000
run bench/register-memory.ts 600
