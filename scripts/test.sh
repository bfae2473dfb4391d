#!/usr/bin/env bash
# The test command (`npm test`): unit, contract, scenario, integration and e2e tests. The fault
# tests (test/fault: kills, broker restarts, fuzzing) run with `npm run test:fault`, which passes
# their files as arguments.
# Integration tests need the real Kafka and schema registry: when none answers (and KAFKA_BROKERS /
# SCHEMA_REGISTRY_URL do not point elsewhere) this starts the local ones from infra/ and stops them
# again at the end; infrastructure that was already running is left alone.
# Prints node's test summary and a closing `N passed, N failed` line; exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KAFKAJS_NO_PARTITIONER_WARNING=1

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
started=0
if [[ -z "${KAFKA_BROKERS:-}" ]] && ! { port_open 9092 && port_open 8081; }; then
  echo "::: starting local Kafka and schema registry (infra/up.sh)"
  bash infra/up.sh
  started=1
fi
stop_infra() { if [[ $started == 1 ]]; then bash infra/down.sh || true; fi; }
trap stop_infra EXIT

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/fault/*' | sort)
fi

mkdir -p .data
tap=.data/test-results.tap
status=0
node --import tsx --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" || status=$?

pass=$(grep -E '^# pass ' "$tap" | awk '{print $3}' | tail -n1)
fail=$(grep -E '^# fail ' "$tap" | awk '{print $3}' | tail -n1)
# A test cancelled because its suite's hook failed did not pass: count it as failed.
cancelled=$(grep -E '^# cancelled ' "$tap" | awk '{print $3}' | tail -n1)
fail=$((${fail:-0} + ${cancelled:-0}))
skip=$(grep -E '^# skipped ' "$tap" | awk '{print $3}' | tail -n1)
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit "$status"
