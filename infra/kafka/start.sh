#!/usr/bin/env bash
# Start a single-node Apache Kafka (KRaft) on 127.0.0.1:9092 for local development and CI.
#   - KAFKA_BROKERS set to another cluster: do nothing (that cluster is used).
#   - something already answers on 127.0.0.1:9092: say so and do nothing (idempotent).
#   - else: fetch the jars (Maven, once), format storage (once), start in the background, wait.
# State (data, cluster id, pid, logs) lives in the repository's git-ignored .data/kafka.
# Env: BACKTRACK_DATA_DIR (default <repo>/.data), KAFKA_HEAP_OPTS (default -Xms128m -Xmx512m),
#      KAFKA_START_TIMEOUT seconds (default 90).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="${BACKTRACK_DATA_DIR:-$ROOT/.data}/kafka"
ADDR=127.0.0.1:9092
PIDFILE="$DATA/kafka.pid"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

log() { echo "[kafka] $*"; }

case "${KAFKA_BROKERS:-}" in
  "" | "$ADDR" | "localhost:9092") ;;
  *)
    log "KAFKA_BROKERS=$KAFKA_BROKERS is set: using that cluster, not starting a local broker"
    exit 0
    ;;
esac

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/9092") 2>/dev/null; }
# Readiness = a real metadata request (kafkajs listTopics); before `npm ci` has run, the open port.
if [[ -d "$ROOT/node_modules/kafkajs" ]]; then
  probe() { node "$HERE/probe.mjs" "$ADDR" 2>/dev/null; }
  warm() { node "$HERE/probe.mjs" "$ADDR" --warm 2>/dev/null || log "warning: internal topics not created yet"; }
else
  probe() { true; }
  warm() { true; }
fi

if port_open; then
  log "already running on $ADDR"
  exit 0
fi

start_ts=$(date +%s.%N)

# 1. Jars (skipped when lib/ is populated, so it works offline once fetched).
if ! compgen -G "$HERE/lib/kafka_2.13-*.jar" >/dev/null; then
  log "fetching jars with Maven into infra/kafka/lib"
  (cd "$HERE" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=lib)
fi

mkdir -p "$DATA/logs"

# 2. Config from the template, pointing at this checkout's data dir.
sed "s#@DATA_DIR@#$DATA#g" "$HERE/server.properties" >"$DATA/server.properties"

JAVA_OPTS=(
  ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$HERE/log4j2.properties"
  "-Dkafka.logs.dir=$DATA"
)

# 3. Format storage once; the cluster id is kept in .data/kafka/cluster.id.
if [[ ! -f "$DATA/logs/meta.properties" ]]; then
  if [[ ! -s "$DATA/cluster.id" ]]; then
    # A Kafka cluster id is a UUID in URL-safe base64 without padding (22 characters).
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$DATA/cluster.id"
  fi
  log "formatting storage (cluster id $(cat "$DATA/cluster.id"))"
  java "${JAVA_OPTS[@]}" -cp "$HERE/lib/*" kafka.tools.StorageTool format \
    --cluster-id="$(cat "$DATA/cluster.id")" -c "$DATA/server.properties" -g >"$DATA/format.log" 2>&1 || {
    cat "$DATA/format.log" >&2
    exit 1
  }
fi

# 4. Start in the background, in its own session so it outlives this shell.
log "starting broker (logs: $DATA/server.log, $DATA/stdout.log)"
setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
  java "${JAVA_OPTS[@]}" -cp "$HERE/lib/*" kafka.Kafka "$DATA/server.properties" \
  >"$DATA/stdout.log" 2>&1 </dev/null &

# 5. Wait until a real metadata request succeeds.
deadline=$(($(date +%s) + TIMEOUT))
sleep 1
while :; do
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    log "broker process exited during startup; last log lines:" >&2
    tail -n 40 "$DATA/stdout.log" "$DATA/server.log" >&2 2>/dev/null || true
    rm -f "$PIDFILE"
    exit 1
  fi
  if port_open && probe; then break; fi
  if (($(date +%s) >= deadline)); then
    log "not ready after ${TIMEOUT}s; last log lines:" >&2
    tail -n 40 "$DATA/stdout.log" "$DATA/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
warm
log "ready on $ADDR (pid $pid, $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start_ts}")s)"
