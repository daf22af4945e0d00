#!/usr/bin/env bash
# Installs what the tests and the local stack need beyond npm, idempotently; safe on a brand-new Debian machine as root.
#   - Java 17+ and Maven (Debian packages) — Kafka and the registry run on the JVM;
#   - ClickHouse server (HTTP path test): Debian's clickhouse-common, plus clickhouse-server unpacked into the cache by
#     deploy/local/clickhouse-server.sh install (not installed: that would start a system service);
#   - Debian packages other suites use: rsyslog (syslog forwarder tests), nginx-light (the TLS + basic-auth registry
#     front, deploy/local/registry-secure.sh runs its own; the system service is not used), openssl, curl, and the toolchain the
#     Confluent Kafka client needs when built from source (librdkafka-dev, libssl-dev, zlib1g-dev, build-essential,
#     python3; see deploy/local/node-env.sh);
#   - Apache Kafka $KAFKA_VERSION jars from Maven Central into $ARBITER_CACHE/kafka-$KAFKA_VERSION/libs;
#   - Apicurio Registry $APICURIO_VERSION built from Maven Central into $ARBITER_CACHE/apicurio-registry-$APICURIO_VERSION.
# Each step is skipped when its result is present and was made from the same recipe (a hash of the pom and sources).
# apt-get update runs only when a package is missing and the last update is older than a day.
#   deploy/local/prereqs.sh          everything
#   deploy/local/prereqs.sh system   the Debian packages only
set -euo pipefail
ARBITER_COMPONENT=prereqs
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"

APT_PACKAGES=(openjdk-17-jre-headless maven curl openssl nginx-light rsyslog clickhouse-common librdkafka-dev libssl-dev zlib1g-dev build-essential python3)
MVN=(mvn -B -q -s "$here/maven-settings.xml")
mkdir -p "$ARBITER_CACHE/logs"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die ERR_PREREQS_NOT_ROOT "need root (or sudo) to run: $*"; fi
}

install_debian_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # A JDK from elsewhere (e.g. Temurin) satisfies the Java need: don't install a second one.
  if [ "$(java_major 2>/dev/null || echo 0)" -ge 17 ] 2>/dev/null; then
    missing=("${missing[@]/openjdk-17-jre-headless}")
  fi
  command -v mvn >/dev/null 2>&1 && missing=("${missing[@]/maven}")
  local todo=()
  for p in "${missing[@]}"; do [ -n "$p" ] && todo+=("$p"); done
  [ "${#todo[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die ERR_PREREQS_NO_APT "missing ${todo[*]} and no apt-get to install them"
  local stamp="$ARBITER_CACHE/apt-update.stamp"
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >> "$ARBITER_CACHE/logs/apt.log" 2>&1 || die ERR_PREREQS_APT "apt-get update failed; see $ARBITER_CACHE/logs/apt.log"
    touch "$stamp"
  fi
  log "apt-get install ${todo[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${todo[@]}" >> "$ARBITER_CACHE/logs/apt.log" 2>&1 \
    || die ERR_PREREQS_APT "apt-get install ${todo[*]} failed; see $ARBITER_CACHE/logs/apt.log"
}

check_java() {
  local major; major="$(java_major)"
  [ -n "$major" ] && [ "$major" -ge 17 ] || die ERR_LOCAL_JAVA "Java 17+ is required; found '$(java -version 2>&1 | head -1)'"
}

recipe_hash() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16; }

# Copies Kafka's broker jars and their runtime dependencies; the directory appears whole or not at all.
fetch_kafka() {
  local dest="$ARBITER_CACHE/kafka-$KAFKA_VERSION" want; want="$(recipe_hash "$here/kafka")"
  [ -f "$dest/recipe" ] && [ "$(cat "$dest/recipe")" = "$want" ] && [ -f "$dest/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && return 0
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $dest/libs"
  local tmp="$dest.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$here/kafka" && "${MVN[@]}" dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime \
      -DoutputDirectory="$tmp/libs") >> "$ARBITER_CACHE/logs/maven-kafka.log" 2>&1 \
    || { rm -rf "$tmp"; die ERR_PREREQS_MAVEN "could not fetch Kafka $KAFKA_VERSION; see $ARBITER_CACHE/logs/maven-kafka.log"; }
  echo "$want" > "$tmp/recipe"
  rm -rf "$dest"; mv "$tmp" "$dest"
}

# Builds the runnable registry outside the work tree (the recipe is copied to the cache and built there).
build_registry() {
  local dest="$ARBITER_CACHE/apicurio-registry-$APICURIO_VERSION" want; want="$(recipe_hash "$here/registry")"
  [ -f "$dest/recipe" ] && [ "$(cat "$dest/recipe")" = "$want" ] && [ -f "$dest/apicurio-registry-local-1-runner.jar" ] && return 0
  log "building Apicurio Registry $APICURIO_VERSION from Maven Central artifacts (first time only: ~280 MB of artifacts, minutes)"
  local build="$ARBITER_CACHE/apicurio-build-$APICURIO_VERSION"
  rm -rf "$build"; mkdir -p "$build"; cp -r "$here/registry/." "$build/"
  (cd "$build" && "${MVN[@]}" package -DskipTests -Dapicurio.version="$APICURIO_VERSION") >> "$ARBITER_CACHE/logs/maven-registry.log" 2>&1 \
    || die ERR_PREREQS_MAVEN "could not build Apicurio Registry $APICURIO_VERSION; see $ARBITER_CACHE/logs/maven-registry.log"
  local tmp="$dest.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
  cp -r "$build/target/apicurio-registry-local-1-runner.jar" "$build/target/lib" "$tmp/"
  echo "$want" > "$tmp/recipe"
  rm -rf "$dest"; mv "$tmp" "$dest"; rm -rf "$build"
}

main() {
  mkdir -p "$ARBITER_CACHE"
  # One prereqs run at a time per cache (a CI clone and a dev tree may share it).
  exec 9> "$ARBITER_CACHE/prereqs.lock"
  flock -w 900 9 || die ERR_PREREQS_LOCK "another prereqs.sh holds $ARBITER_CACHE/prereqs.lock for over 15 minutes"
  install_debian_packages
  "$here/clickhouse-server.sh" install
  # `prereqs.sh system`: Debian packages only (node-env.sh needs the toolchain before npm builds native addons).
  [ "${1:-}" = system ] && return 0
  check_java
  command -v mvn >/dev/null 2>&1 || die ERR_PREREQS_MAVEN "Maven (mvn) is required"
  fetch_kafka
  build_registry
  log "ready: Java $(java_major), Kafka $KAFKA_VERSION jars, Apicurio Registry $APICURIO_VERSION (cache $ARBITER_CACHE)"
}
main "$@"
