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
