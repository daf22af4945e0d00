#!/usr/bin/env bash
# The local real servers, no Docker: Apache Kafka (KRaft) and Apicurio Registry (Confluent API). ClickHouse needs no
# server: chDB runs inside the Node process unless CLICKHOUSE_URL points at one.
#   deploy/local/stack.sh start|stop|status
# start is idempotent and writes the endpoints to $ARBITER_RUN_DIR/stack.env as each server becomes ready:
#   KAFKA_BROKERS=localhost:9092   SCHEMA_REGISTRY_URL=http://localhost:8081/apis/ccompat/v7
# Set ARBITER_STACK_SERVERS="kafka" (or "registry") to start a subset.
set -euo pipefail
ARBITER_COMPONENT=stack
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib.sh"
SERVERS="${ARBITER_STACK_SERVERS:-kafka registry}"

start() {
  for s in $SERVERS; do
    "$here/$s.sh" start
    case "$s" in
      kafka) stack_env_set KAFKA_BROKERS "localhost:$KAFKA_PORT" ;;
      registry) stack_env_set SCHEMA_REGISTRY_URL "http://localhost:$REGISTRY_PORT/apis/ccompat/v7" ;;
    esac
  done
  log "endpoints in $ARBITER_RUN_DIR/stack.env:"; sed 's/^/  /' "$ARBITER_RUN_DIR/stack.env" >&2
}

stop() {
  local s rev=""
  for s in $SERVERS; do rev="$s $rev"; done
  for s in $rev; do
    "$here/$s.sh" stop
    case "$s" in
      kafka) stack_env_unset KAFKA_BROKERS ;;
      registry) stack_env_unset SCHEMA_REGISTRY_URL ;;
    esac
  done
}

status() {
  local s rc=0
  for s in $SERVERS; do "$here/$s.sh" status || rc=1; done
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
