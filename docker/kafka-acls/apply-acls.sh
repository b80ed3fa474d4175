#!/usr/bin/env bash
# Applies tokenwatch.acl to a Kafka cluster with Kafka's own kafka-acls.sh.
# Usage: apply-acls.sh --bootstrap-server HOST:PORT [--command-config admin.properties]
# (the admin properties carry the SASL settings of a principal allowed to alter ACLs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kafka_acls=${KAFKA_ACLS:-kafka-acls.sh}
grep -v '^\s*#' "$here/tokenwatch.acl" | while read -r principal operation resource pattern name; do
  [ -n "${principal:-}" ] || continue
  case "$resource" in
    TOPIC) target=(--topic "$name") ;;
    GROUP) target=(--group "$name") ;;
    TRANSACTIONAL_ID) target=(--transactional-id "$name") ;;
    CLUSTER) target=(--cluster) ;;
    *) echo "unknown resource type $resource" >&2; exit 2 ;;
  esac
  "$kafka_acls" "$@" --add --allow-principal "$principal" --operation "$operation" \
    --resource-pattern-type "$pattern" "${target[@]}"
done
