#!/usr/bin/env bash
# Apicurio Registry (in-memory H2 storage), serving the Confluent Schema Registry API at /apis/ccompat/v7.
# Built by deploy/local/prereqs.sh from the Maven Central artifacts into $ARBITER_CACHE/apicurio-registry-$APICURIO_VERSION.
#   deploy/local/registry.sh start|stop|status
# start is idempotent: it reuses a registry this run dir started, or any registry already answering on $REGISTRY_PORT.
# Schemas live in memory: a restart begins empty. Env: REGISTRY_PORT (8081), REGISTRY_HEAP (384m), ARBITER_RUN_DIR.
set -euo pipefail
ARBITER_COMPONENT=registry
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_HOME="$ARBITER_CACHE/apicurio-registry-$APICURIO_VERSION"
REGISTRY_JAR="$REGISTRY_HOME/apicurio-registry-local-1-runner.jar"
REGISTRY_HEAP="${REGISTRY_HEAP:-384m}"
CCOMPAT="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

# The Confluent API answers a subject listing with a JSON array: proves a schema registry, not just an open port.
registry_answers() { curl -fsS -m 3 "$CCOMPAT/subjects" 2>/dev/null | grep -q '^\['; }
registry_version() { curl -fsS -m 3 "http://127.0.0.1:$REGISTRY_PORT/apis/registry/v2/system/info" 2>/dev/null | sed -n 's/.*"version":"\([^"]*\)".*/\1/p'; }

start() {
  local pid
  if pid="$(running_pid registry)"; then
    wait_until 120 "registry ready" registry_answers || die ERR_LOCAL_REGISTRY_NOT_READY "pid $pid runs but no registry answers at $CCOMPAT; see $(log_file registry)"
    log "reusing registry pid $pid at $CCOMPAT (Apicurio $(registry_version))"; return 0
  fi
  if port_open "$REGISTRY_PORT"; then
    registry_answers || die ERR_LOCAL_PORT_BUSY "port $REGISTRY_PORT is taken by something that is not a Confluent-API schema registry; set REGISTRY_PORT"
    log "reusing the schema registry already answering at $CCOMPAT (not started here; stop will not touch it)"; return 0
  fi
  [ -f "$REGISTRY_JAR" ] || die ERR_LOCAL_REGISTRY_MISSING "no registry build at $REGISTRY_JAR; run deploy/local/prereqs.sh"
  [ "$(java_major)" -ge 17 ] 2>/dev/null || die ERR_LOCAL_JAVA "the registry needs Java 17+; found '$(java -version 2>&1 | head -1)'"
  mkdir -p "$ARBITER_RUN_DIR/logs"
  log "starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT, log $(log_file registry)"
  HTTP_PORT="$REGISTRY_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
    setsid java -Xms64m -Xmx"$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -jar "$REGISTRY_JAR" >> "$(log_file registry)" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$(pid_file registry)"
  if ! wait_until 120 "registry ready" registry_answers; then
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file registry)"; die ERR_LOCAL_REGISTRY_START "registry exited during start; last log lines: $(tail -5 "$(log_file registry)")"; }
    die ERR_LOCAL_REGISTRY_NOT_READY "registry pid $pid did not answer at $CCOMPAT within 120s; see $(log_file registry)"
  fi
  log "ready: Apicurio Registry $(registry_version) pid $pid, Confluent API at $CCOMPAT"
}

status() {
  local pid
  if pid="$(running_pid registry)"; then
    registry_answers && { echo "registry: running pid $pid, Apicurio $(registry_version) at $CCOMPAT"; return 0; }
    echo "registry: pid $pid alive but not answering at $CCOMPAT"; return 1
  fi
  registry_answers && { echo "registry: a registry not started from $ARBITER_RUN_DIR answers at $CCOMPAT"; return 0; }
  echo "registry: stopped"; return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop_server registry ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
