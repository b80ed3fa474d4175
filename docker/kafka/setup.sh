#!/usr/bin/env bash
# One-shot set-up of the compose cluster, as the admin: a SCRAM login for every component, then
# the ACL set of kafka-acls/tokenwatch.acl. Safe to run again (both steps are idempotent).
set -euo pipefail
bin=/opt/kafka/bin
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
: "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"

umask 077
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPERTIES

declare -A passwords=(
  [tokenwatch-issuer]="${ISSUER_KAFKA_PASSWORD:?}"
  [tokenwatch-validator]="${VALIDATOR_KAFKA_PASSWORD:?}"
  [tokenwatch-revocation-stream]="${REVOCATION_STREAM_KAFKA_PASSWORD:?}"
  [tokenwatch-anomaly-detector]="${ANOMALY_DETECTOR_KAFKA_PASSWORD:?}"
  [tokenwatch-audit-sink]="${AUDIT_SINK_KAFKA_PASSWORD:?}"
  [tokenwatch-schema-registry]="${SCHEMA_REGISTRY_KAFKA_PASSWORD:?}"
)
for user in "${!passwords[@]}"; do
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config /tmp/admin.properties \
    --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[password=${passwords[$user]}]"
done

KAFKA_ACLS="$bin/kafka-acls.sh" /etc/tokenwatch/kafka-acls/apply-acls.sh \
  --bootstrap-server "$bootstrap" --command-config /tmp/admin.properties
echo "SCRAM logins and ACLs in place"
