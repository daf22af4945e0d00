#!/usr/bin/env bash
# Shared helpers for the deploy/local scripts. Source it; it defines paths and small functions, it starts nothing.
# Contract: every server script keeps its pid in $ARBITER_RUN_DIR/<name>.pid and logs to $ARBITER_RUN_DIR/logs/<name>.log.

ARBITER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ARBITER_CACHE="${ARBITER_CACHE:-$HOME/.cache/arbiter}"
ARBITER_RUN_DIR="${ARBITER_RUN_DIR:-$ARBITER_ROOT/.run}"
export ARBITER_ROOT ARBITER_CACHE ARBITER_RUN_DIR

# Versions of the Maven Central artifacts the local stack runs. Changing one means a new cache directory.
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
APICURIO_VERSION="${APICURIO_VERSION:-2.4.2.Final}"

# Ports come from the environment; these are the documented defaults.
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
REGISTRY_PORT="${REGISTRY_PORT:-8081}"

log() { echo "[arbiter:${ARBITER_COMPONENT:-local}] $*" >&2; }
die() { local code="$1"; shift; echo "[arbiter:${ARBITER_COMPONENT:-local}] $code: $*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

pid_file() { echo "$ARBITER_RUN_DIR/$1.pid"; }
log_file() { echo "$ARBITER_RUN_DIR/logs/$1.log"; }

# Prints the pid of a server this run dir started, if it is still alive.
running_pid() {
  local f; f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  local pid; pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  rm -f "$f"; return 1
}

# wait_until <seconds> <description> <command...>: polls once a second; fails with the description on timeout.
wait_until() {
  local secs="$1" what="$2"; shift 2
  local i
  for ((i = 0; i < secs; i++)); do
    if "$@"; then return 0; fi
    sleep 1
  done
  return 1
}

# Stops the server started from this run dir (TERM, then KILL after a grace period). Never touches other processes.
stop_server() {
  local name="$1" pid
  if ! pid="$(running_pid "$name")"; then log "$name: not running (from $ARBITER_RUN_DIR)"; return 0; fi
  log "$name: stopping pid $pid"
  kill "$pid" 2>/dev/null || true
  if ! wait_until 30 "$name exit" bash -c "! kill -0 $pid 2>/dev/null"; then
    log "$name: still alive after 30s, sending KILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
}

# A fresh KRaft cluster id: 16 random bytes in unpadded base64url (what StorageTool random-uuid prints), without a JVM
# start. Pass it as --cluster-id=ID: 1 id in 64 starts with '-' and would be read as an option after a separate -t.
new_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

# server.properties lines every single-node broker here needs: its internal topics (offsets, transactions, share
# state) with replication factor 1, or transactions never start. $1: partitions of the offsets and transaction logs.
single_node_internal_topics() {
  cat <<PROPS
offsets.topic.replication.factor=1
offsets.topic.num.partitions=$1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=$1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
PROPS
}

# A broker's log4j2.properties: console output at root level $2, plus any "logger.<id>.name/level" lines on stdin.
write_broker_log4j() {
  { cat <<PROPS
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $2
rootLogger.appenderRef.out.ref = out
PROPS
    cat; } > "$1"
}

# A throw-away CA for the local secured servers (kafka-secure.sh, registry-secure.sh): $1/ca.pem (what clients
# trust) and $1/ca.key, made once per directory. Needs openssl (deploy/local/prereqs.sh installs it).
make_test_ca() {
  local dir="$1"
  [ -f "$dir/ca.pem" ] && return 0
  command -v openssl >/dev/null || die ERR_LOCAL_TLS_TOOL "openssl is needed to make the test CA (deploy/local/prereqs.sh)"
  mkdir -p "$dir"; chmod 700 "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=arbiter-test-ca" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null \
    || die ERR_LOCAL_TLS_TOOL "openssl could not make a CA in $dir"
}

# make_test_cert <dir> <name> <CN> <extension lines>: $dir/<name>.key and $dir/<name>.crt signed by make_test_ca's CA
# in <dir> (made once). Extensions are openssl x509 -extfile lines, e.g. "subjectAltName=DNS:localhost".
make_test_cert() {
  local dir="$1" name="$2" cn="$3" ext="$4"
  [ -f "$dir/$name.crt" ] && return 0
  make_test_ca "$dir"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null \
    && printf '%s\n' "$ext" > "$dir/$name.ext" \
    && openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
      -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null \
    || die ERR_LOCAL_TLS_TOOL "openssl could not make the certificate $dir/$name.crt"
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

java_major() { "${1:-java}" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# Records KEY=VALUE in $ARBITER_RUN_DIR/stack.env (replacing an earlier value), so other tools can source it.
stack_env_set() {
  local key="$1" value="$2" f="$ARBITER_RUN_DIR/stack.env"
  mkdir -p "$ARBITER_RUN_DIR"; touch "$f"
  local tmp; tmp="$(mktemp "$ARBITER_RUN_DIR/.stack.env.XXXX")"
  grep -v "^$key=" "$f" > "$tmp" || true
  echo "$key=$value" >> "$tmp"
  mv "$tmp" "$f"
}
stack_env_unset() {
  local key="$1" f="$ARBITER_RUN_DIR/stack.env"
  [ -f "$f" ] || return 0
  local tmp; tmp="$(mktemp "$ARBITER_RUN_DIR/.stack.env.XXXX")"
  grep -v "^$key=" "$f" > "$tmp" || true
  mv "$tmp" "$f"
}

# The lifecycle every server script shares. Before calling server_main, a script sets
#   SERVER        its name (pid file, log file, messages)        SERVER_KIND   what answers ("Kafka broker")
#   SERVER_PORT   the port it listens on                           SERVER_PORT_VAR  the env variable that sets it
#   SERVER_WHERE  the endpoint, for messages                       SERVER_CODE   error code prefix (ERR_LOCAL_KAFKA)
#   SERVER_NEEDS_JAVA  "no" for a server that is not a JVM (default yes: Java 17+ is checked before a start)
# and defines: server_answers (a real protocol check, not an open port), server_describe (its release, for
# messages), server_prepare (checks and config files before a start; sets SERVER_CMD, the command to run).
server_start() {
  local pid
  if pid="$(running_pid "$SERVER")"; then
    wait_until 120 "$SERVER ready" server_answers || die "${SERVER_CODE}_NOT_READY" "pid $pid runs but no $SERVER_KIND answers at $SERVER_WHERE; see $(log_file "$SERVER")"
    log "reusing $SERVER pid $pid at $SERVER_WHERE ($(server_describe))"; return 0
  fi
  if port_open "$SERVER_PORT"; then
    server_answers || die ERR_LOCAL_PORT_BUSY "port $SERVER_PORT is taken by something that is not a $SERVER_KIND; set $SERVER_PORT_VAR"
    log "reusing the $SERVER_KIND already answering at $SERVER_WHERE (not started here; stop will not touch it)"; return 0
  fi
  [ "${SERVER_NEEDS_JAVA:-yes}" = no ] || [ "$(java_major)" -ge 17 ] 2>/dev/null \
    || die ERR_LOCAL_JAVA "$SERVER needs Java 17+; found '$(java -version 2>&1 | head -1)'"
  mkdir -p "$ARBITER_RUN_DIR/logs"
  SERVER_CMD=()
  server_prepare
  log "starting $(server_describe) at $SERVER_WHERE, log $(log_file "$SERVER")"
  # setsid: the server gets its own process group, so the caller's Ctrl-C or exit does not take it down.
  setsid "${SERVER_CMD[@]}" >> "$(log_file "$SERVER")" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$(pid_file "$SERVER")"
  if ! wait_until 120 "$SERVER ready" server_answers; then
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file "$SERVER")"; die "${SERVER_CODE}_START" "$SERVER exited during start; last log lines: $(tail -5 "$(log_file "$SERVER")")"; }
    die "${SERVER_CODE}_NOT_READY" "$SERVER pid $pid did not answer at $SERVER_WHERE within 120s; see $(log_file "$SERVER")"
  fi
  log "ready: $(server_describe) pid $pid at $SERVER_WHERE"
}

# Exit status: 0 answering (started here or not), 1 started here but not answering, 3 stopped.
server_status() {
  local pid
  if pid="$(running_pid "$SERVER")"; then
    server_answers && { echo "$SERVER: running pid $pid, $(server_describe) at $SERVER_WHERE"; return 0; }
    echo "$SERVER: pid $pid alive but not answering at $SERVER_WHERE"; return 1
  fi
  server_answers && { echo "$SERVER: a $SERVER_KIND not started from $ARBITER_RUN_DIR answers at $SERVER_WHERE"; return 0; }
  echo "$SERVER: stopped"; return 3
}

server_main() {
  case "${1:-}" in
    start) server_start ;;
    stop) stop_server "$SERVER" ;;
    status) server_status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
}
