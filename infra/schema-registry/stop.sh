#!/usr/bin/env bash
# Stop the local schema registry started by infra/schema-registry/start.sh (and only that one: found
# by its pid file). SIGTERM (Quarkus shuts down cleanly), then SIGKILL after
# SCHEMA_REGISTRY_STOP_TIMEOUT seconds (30).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../stop-by-pidfile.sh
source "$ROOT/infra/stop-by-pidfile.sh"
stop_by_pidfile schema-registry "${BACKTRACK_DATA_DIR:-$ROOT/.data}/schema-registry/registry.pid" 'quarkus-run.jar' \
  "${SCHEMA_REGISTRY_STOP_TIMEOUT:-30}"
