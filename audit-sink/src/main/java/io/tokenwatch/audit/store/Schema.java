package io.tokenwatch.audit.store;

import java.util.List;

/** The DDL of the audit store and the column list shared by every read. */
final class Schema {

  private Schema() {}

  static final List<String> DDL =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS audit_events (
            event_id VARCHAR NOT NULL,
            event_type VARCHAR NOT NULL,
            occurred_at TIMESTAMP_MS NOT NULL,
            subject VARCHAR,
            client_id VARCHAR,
            token_id VARCHAR,
            grant_id VARCHAR,
            audience VARCHAR,
            grant_type VARCHAR,
            scope VARCHAR NOT NULL,
            decision VARCHAR,
            reason VARCHAR,
            policy_id VARCHAR,
            policy_version VARCHAR,
            actor VARCHAR,
            expires_at TIMESTAMP_MS,
            source_topic VARCHAR NOT NULL,
            source_partition INTEGER NOT NULL,
            source_offset BIGINT NOT NULL,
            payload VARCHAR NOT NULL,
            chain_seq BIGINT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL,
            event_key UUID NOT NULL PRIMARY KEY
          )""",
          """
          CREATE TABLE IF NOT EXISTS audit_partitions (
            source_topic VARCHAR NOT NULL,
            source_partition INTEGER NOT NULL,
            next_offset BIGINT NOT NULL,
            chain_length BIGINT NOT NULL,
            head_hash BLOB NOT NULL,
            PRIMARY KEY (source_topic, source_partition)
          )""",
          """
          CREATE TABLE IF NOT EXISTS audit_checkpoints (
            number BIGINT NOT NULL PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            previous_digest VARCHAR NOT NULL,
            key_id VARCHAR NOT NULL,
            heads VARCHAR NOT NULL,
            records BIGINT NOT NULL,
            signature BLOB NOT NULL
          )""");

  /** {@link EventKey} of the {@code event_id} column, in SQL: the same 128 bits. */
  static final String KEY_SQL = "substr(sha256(event_id), 1, 32)::UUID";

  /** The names {@link #COLUMNS} gives its columns, each prefixed with {@code alias.}. */
  static String qualifiedNames(String alias) {
    return java.util.stream.Stream.of(
            "event_id",
            "event_type",
            "occurred_ms",
            "subject",
            "client_id",
            "token_id",
            "grant_id",
            "audience",
            "grant_type",
            "scope",
            "decision",
            "reason",
            "policy_id",
            "policy_version",
            "actor",
            "expires_ms",
            "source_topic",
            "source_partition",
            "source_offset",
            "payload",
            "chain_seq",
            "prev_hash",
            "hash")
        .map(name -> alias + "." + name)
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /** The columns of an {@code AuditEvent} plus the chain columns, in canonical order. */
  static final String COLUMNS =
      "event_id, event_type, epoch_ms(occurred_at) AS occurred_ms, subject, client_id, token_id,"
          + " grant_id, audience, grant_type, scope, decision, reason, policy_id,"
          + " policy_version, actor, epoch_ms(expires_at) AS expires_ms, source_topic,"
          + " source_partition, source_offset, payload, chain_seq, prev_hash, hash";
}
