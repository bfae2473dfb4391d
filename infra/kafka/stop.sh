#!/usr/bin/env bash
# Stop the local Kafka broker started by infra/kafka/start.sh (and only that one: found by its pid
# file). SIGTERM (a clean, controlled shutdown), then SIGKILL after KAFKA_STOP_TIMEOUT seconds (30).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="${BACKTRACK_DATA_DIR:-$ROOT/.data}/kafka"
PIDFILE="$DATA/kafka.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { echo "[kafka] $*"; }

pid="$(cat "$PIDFILE" 2>/dev/null || true)"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "not running (no live process from $PIDFILE)"
  rm -f "$PIDFILE"
  exit 0
fi
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka.Kafka'; then
  log "pid $pid is not the local broker any more; removing stale pid file"
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
