#!/usr/bin/env bash
# Checks the alert rules with Prometheus' own tool and runs their unit tests (each alert fires on a series that should
# page and stays silent on one that should not). promtool is built from its Go module on first use (cached).
set -euo pipefail
cd "$(dirname "$0")/.."
promtool="$(bash hack/build-promtool.sh)"
"$promtool" check rules deploy/monitoring/alerts.yaml charts/starrocks-cn-operator/files/alerts.yaml
"$promtool" test rules deploy/monitoring/alerts.test.yaml
