#!/usr/bin/env bash
# Stop the local Kafka broker started by infra/kafka/start.sh (and only that one: found by its pid
# file). SIGTERM (a clean, controlled shutdown), then SIGKILL after KAFKA_STOP_TIMEOUT seconds (30).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../stop-by-pidfile.sh
source "$ROOT/infra/stop-by-pidfile.sh"
stop_by_pidfile kafka "${BACKTRACK_DATA_DIR:-$ROOT/.data}/kafka/kafka.pid" 'kafka.Kafka' "${KAFKA_STOP_TIMEOUT:-30}"
