#!/usr/bin/env bash
# Formats the node's storage on first start (with the admin's SCRAM credential, which must exist
# before any SCRAM login) and starts Kafka with the passwords from the environment.
set -euo pipefail
: "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (kafka-storage.sh random-uuid)}"
: "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"
: "${KAFKA_CONTROLLER_PASSWORD:?set KAFKA_CONTROLLER_PASSWORD}"
for secret in "$KAFKA_ADMIN_PASSWORD" "$KAFKA_CONTROLLER_PASSWORD"; do
  if [[ ! "$secret" =~ ^[A-Za-z0-9_-]{16,}$ ]]; then
    echo "passwords must be at least 16 base64url characters" >&2
    exit 2
  fi
done

config=/tmp/server.properties
sed -e "s/@KAFKA_ADMIN_PASSWORD@/${KAFKA_ADMIN_PASSWORD}/g" \
    -e "s/@KAFKA_CONTROLLER_PASSWORD@/${KAFKA_CONTROLLER_PASSWORD}/g" \
    /etc/tokenwatch/kafka/server.properties > "$config"

# The admin's client settings, for the health check and for operators inside the container.
umask 077
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPERTIES

if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  /opt/kafka/bin/kafka-storage.sh format --cluster-id "$KAFKA_CLUSTER_ID" --config "$config" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
