#!/usr/bin/env bash
# Sourced by infra/*/stop.sh. stop_by_pidfile NAME PIDFILE CMDLINE_MATCH TIMEOUT_S:
# stops the process in PIDFILE, and only if its command line still contains CMDLINE_MATCH (a pid
# file can outlive its process and the pid be reused). SIGTERM, then SIGKILL after TIMEOUT_S.
stop_by_pidfile() {
  local name="$1" pidfile="$2" match="$3" timeout="$4" pid i
  log() { echo "[$name] $*"; }
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    log "not running (no live process from $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$match"; then
    log "pid $pid is not the local $name any more; removing stale pid file"
    rm -f "$pidfile"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid"
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  log "stopped"
}
