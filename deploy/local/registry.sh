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

server_describe() { local v; v="$(registry_version)"; echo "Apicurio Registry ${v:-$APICURIO_VERSION}"; }
server_answers() { registry_answers; }

server_prepare() {
  [ -f "$REGISTRY_JAR" ] || die ERR_LOCAL_REGISTRY_MISSING "no registry build at $REGISTRY_JAR; run deploy/local/prereqs.sh"
  SERVER_CMD=(env HTTP_PORT="$REGISTRY_PORT" QUARKUS_HTTP_HOST=127.0.0.1
    java -Xms64m -Xmx"$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -jar "$REGISTRY_JAR")
}

SERVER=registry SERVER_KIND="Confluent-API schema registry" SERVER_PORT="$REGISTRY_PORT" SERVER_PORT_VAR=REGISTRY_PORT
SERVER_WHERE="$CCOMPAT" SERVER_CODE=ERR_LOCAL_REGISTRY
server_main "$@"
