#!/usr/bin/env bash
# Runs every *.test.ts file below the given folders with node's own test runner (Node 20 does not expand globs
# for --test, so the files are listed here). Extra runner flags can follow after `--`.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  dirs+=("$1"); shift
done
mapfile -t files < <(find "${dirs[@]}" -name '*.test.ts' -type f 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no test files under ${dirs[*]}"
  exit 0
fi
exec node --import tsx --test --test-reporter=spec "${extra[@]}" "${files[@]}"
