#!/usr/bin/env bash
# Stop the local schema registry started by infra/schema-registry/start.sh (and only that one: found by its pid
# file). SIGTERM (Quarkus shuts down cleanly), then SIGKILL after SCHEMA_REGISTRY_STOP_TIMEOUT seconds (30).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="${BACKTRACK_DATA_DIR:-$ROOT/.data}/schema-registry"
PIDFILE="$DATA/registry.pid"
TIMEOUT="${SCHEMA_REGISTRY_STOP_TIMEOUT:-30}"

log() { echo "[schema-registry] $*"; }

pid="$(cat "$PIDFILE" 2>/dev/null || true)"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "not running (no live process from $PIDFILE)"
  rm -f "$PIDFILE"
  exit 0
fi
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'quarkus-run.jar'; then
  log "pid $pid is not the local registry any more; removing stale pid file"
  rm -f "$PIDFILE"
  exit 0
fi

log "stopping pid $pid"
kill -TERM "$pid"
for ((i = 0; i < TIMEOUT * 10; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  log "still alive after ${TIMEOUT}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
fi
rm -f "$PIDFILE"
log "stopped"
