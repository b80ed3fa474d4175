package io.tokenwatch.audit.store;

import java.util.List;

/**
 * The {@link io.tokenwatch.audit.CanonicalEncoding canonical encoding} of a stored row computed by
 * DuckDB, as one BLOB: reading one column is far cheaper over JDBC than decoding twenty strings. It
 * must produce the very bytes of the Java encoding (a test holds that); if it ever did not, the
 * verifier would recompute the record in Java before reporting anything, so it only speeds
 * verification up. The SQL is fixed text: no value reaches it.
 */
final class CanonicalSql {

  private CanonicalSql() {}

  /** The expression; every referenced column belongs to {@code audit_events}. */
  static final String EXPRESSION = expression();

  private static String expression() {
    List<String> parts =
        List.of(
            "'" + io.tokenwatch.audit.CanonicalEncoding.PREFIX + "'",
            field("chain_seq::VARCHAR"),
            field("event_id"),
            field("event_type"),
            field("epoch_ms(occurred_at)::VARCHAR"),
            field("subject"),
            field("client_id"),
            field("token_id"),
            field("grant_id"),
            field("audience"),
            field("grant_type"),
            field("scope"),
            field("decision"),
            field("reason"),
            field("policy_id"),
            field("policy_version"),
            field("actor"),
            field("epoch_ms(expires_at)::VARCHAR"),
            field("source_topic"),
            field("source_partition::VARCHAR"),
            field("source_offset::VARCHAR"),
            field("payload"));
    // one concat: chained || would copy the growing row once per field
    return "encode(concat(" + String.join(", ", parts) + "))";
  }

  /** A netstring of a VARCHAR expression, or {@code -,} for NULL. */
  private static String field(String value) {
    return "CASE WHEN ("
        + value
        + ") IS NULL THEN '-,' ELSE concat(strlen("
        + value
        + "), ':', "
        + value
        + ", ',') END";
  }
}
