#!/usr/bin/env bash
# A second, throwaway single-node Kafka (KRaft) beside the shared one, for fault and security tests:
# its own data dir and ports, so stopping, killing or restarting it disturbs nobody.
#
#   extra-broker.sh start | stop | restart
#
# Env:
#   EXTRA_KAFKA_DIR        data dir (default <repo>/.data/fault-sasl); holds logs, pid, certs
#   EXTRA_KAFKA_PORT       client listener (default 19092); the controller uses EXTRA_KAFKA_CTRL_PORT (19093)
#   EXTRA_KAFKA_SECURITY   sasl_ssl (default) or plaintext
#   EXTRA_KAFKA_USER / EXTRA_KAFKA_PASSWORD   the SCRAM-SHA-512 user created at format (sasl_ssl only;
#                          also the broker's own inter-broker login). Default admin / a random secret
#                          written to $EXTRA_KAFKA_DIR/password (mode 600).
# With sasl_ssl, a self-signed CA and a server certificate for IP 127.0.0.1 are made with openssl on
# first start: the client trusts $EXTRA_KAFKA_DIR/tls/ca.pem.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="${EXTRA_KAFKA_DIR:-$ROOT/.data/fault-sasl}"
PORT="${EXTRA_KAFKA_PORT:-19092}"
CTRL="${EXTRA_KAFKA_CTRL_PORT:-19093}"
SEC="${EXTRA_KAFKA_SECURITY:-sasl_ssl}"
USER_NAME="${EXTRA_KAFKA_USER:-admin}"
PIDFILE="$DIR/kafka.pid"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

log() { echo "[extra-kafka:$PORT] $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q kafka.Kafka
}

password() {
  if [[ -n "${EXTRA_KAFKA_PASSWORD:-}" ]]; then
    printf '%s' "$EXTRA_KAFKA_PASSWORD"
    return
  fi
  if [[ ! -s "$DIR/password" ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$DIR/password")
  fi
  tr -d '\n' <"$DIR/password"
}

make_certs() {
  local tls="$DIR/tls"
  [[ -s "$tls/server.pem" ]] && return
  mkdir -p "$tls"
  (
    cd "$tls"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=backtrack-test-ca" \
      -keyout ca.key -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr \
      >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile san.ext -out server.crt >/dev/null 2>&1
    openssl pkcs8 -topk8 -nocrypt -in server.key -out server.p8
    cat server.p8 server.crt >server.pem
    chmod 644 ca.pem
  )
}

write_properties() {
  local props="$DIR/server.properties" pass="$1"
  {
    echo "process.roles=broker,controller"
    echo "node.id=1"
    echo "controller.quorum.voters=1@127.0.0.1:$CTRL"
    echo "controller.listener.names=CONTROLLER"
    echo "log.dirs=$DIR/logs"
    echo "num.partitions=1"
    echo "offsets.topic.replication.factor=1"
    echo "offsets.topic.num.partitions=10"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "transaction.state.log.num.partitions=10"
    echo "share.coordinator.state.topic.replication.factor=1"
    echo "share.coordinator.state.topic.min.isr=1"
    echo "auto.create.topics.enable=false"
    echo "group.initial.rebalance.delay.ms=0"
    echo "num.network.threads=2"
    echo "num.io.threads=2"
    echo "background.threads=2"
    if [[ "$SEC" == sasl_ssl ]]; then
      echo "listeners=SASL_SSL://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CTRL"
      echo "advertised.listeners=SASL_SSL://127.0.0.1:$PORT"
      echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
      echo "inter.broker.listener.name=SASL_SSL"
      echo "sasl.enabled.mechanisms=SCRAM-SHA-512"
      echo "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512"
      echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$USER_NAME\" password=\"$pass\";"
      echo "ssl.keystore.type=PEM"
      echo "ssl.keystore.location=$DIR/tls/server.pem"
      echo "ssl.truststore.type=PEM"
      echo "ssl.truststore.location=$DIR/tls/ca.pem"
    else
      echo "listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CTRL"
      echo "advertised.listeners=PLAINTEXT://127.0.0.1:$PORT"
      echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
      echo "inter.broker.listener.name=PLAINTEXT"
    fi
  } >"$props"
  chmod 600 "$props"
}

start() {
  if running; then
    log "already running"
    return
  fi
  if port_open "$PORT" || port_open "$CTRL"; then
    log "port $PORT or $CTRL is taken by another process" >&2
    exit 1
  fi
  mkdir -p "$DIR/logs"
  local pass=""
  if [[ "$SEC" == sasl_ssl ]]; then
    make_certs
    pass="$(password)"
  fi
  write_properties "$pass"
  local java_opts=(-Xms64m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/log4j2.properties" "-Dkafka.logs.dir=$DIR")
  if [[ ! -f "$DIR/logs/meta.properties" ]]; then
    local id scram=()
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$SEC" == sasl_ssl ]] && scram=(--add-scram "SCRAM-SHA-512=[name=$USER_NAME,password=$pass]")
    java "${java_opts[@]}" -cp "$HERE/lib/*" kafka.tools.StorageTool format --cluster-id="$id" \
      -c "$DIR/server.properties" -g "${scram[@]}" >"$DIR/format.log" 2>&1 || {
      cat "$DIR/format.log" >&2
      exit 1
    }
  fi
  log "starting ($SEC)"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java "${java_opts[@]}" -cp "$HERE/lib/*" kafka.Kafka "$DIR/server.properties" \
    >"$DIR/stdout.log" 2>&1 </dev/null &
  local deadline=$(($(date +%s) + TIMEOUT))
  sleep 1
  until port_open "$PORT" && grep -q 'Kafka Server started' "$DIR/server.log" 2>/dev/null; do
    if ! running; then
      log "exited during startup" >&2
      tail -n 30 "$DIR/stdout.log" "$DIR/server.log" >&2 2>/dev/null || true
      exit 1
    fi
    if (($(date +%s) >= deadline)); then
      log "not ready after ${TIMEOUT}s" >&2
      exit 1
    fi
    sleep 0.3
  done
  # Internal topics created and loaded now, not by the first test consumer (which would crash on
  # "group coordinator not found"); the probe speaks plaintext only.
  if [[ "$SEC" == plaintext && -d "$ROOT/node_modules/kafkajs" ]]; then
    node "$HERE/probe.mjs" "127.0.0.1:$PORT" --warm >/dev/null 2>&1 || log "warning: internal topics not warmed"
  fi
  log "ready (pid $(cat "$PIDFILE"))"
}

stop() {
  if ! running; then
    rm -f "$PIDFILE"
    log "not running"
    return
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PIDFILE"
  # The next start appends to server.log: readiness must wait for a new "started" line.
  mv -f "$DIR/server.log" "$DIR/server.log.prev" 2>/dev/null || true
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  *)
    echo "usage: $0 start|stop|restart" >&2
    exit 2
    ;;
esac
