#!/usr/bin/env bash
# Stop what infra/up.sh started: the schema registry first (it writes to Kafka), then Kafka.
# Processes are found by their pid files under <repo>/.data; nothing else is touched.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

status=0
bash "$HERE/schema-registry/stop.sh" || status=$?
bash "$HERE/kafka/stop.sh" || status=$?
exit "$status"
