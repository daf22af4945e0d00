#!/usr/bin/env bash
# Prints the kafka-acls commands of Arbiter's least-privilege ACL matrix (docs/security.md) for a topic prefix.
# It changes nothing: review the output, then run it where kafka-acls.sh and a super user's client properties are.
#   deploy/kafka-acls.sh --prefix arbiter --bootstrap-server kafka-1:9093 --command-config admin.properties \
#     [--principal agent=User:agent-fleet-a] [--role agent --role verdict]
# Principals default to User:arbiter-<role>; roles: agent verdict aggregator approvals clickhouse-sink siem-forwarder
# policy-publisher. Needs Node 24 (deploy/local/node-env.sh provides it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/deploy/local/node-env.sh" >/dev/null
exec node "$root/processors/cli/kafka-acls.ts" "$@"
