#!/usr/bin/env bash
# Start the local infrastructure for development and tests, without Docker:
# Apache Kafka (KRaft, 127.0.0.1:9092), then Apicurio Registry (Confluent-compatible API,
# 127.0.0.1:8081, schemas kept in Kafka). Idempotent: what already runs is left alone.
# KAFKA_BROKERS / SCHEMA_REGISTRY_URL pointing elsewhere: that one is used and not started here.
# Stop with infra/down.sh. Data and logs: <repo>/.data (delete it, when stopped, for a clean slate).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bash "$HERE/kafka/start.sh"
bash "$HERE/schema-registry/start.sh"

cat <<ENV
Use:
  export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
  export SCHEMA_REGISTRY_URL=${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}
ENV
