package io.tokenwatch.audit;

import java.util.List;

/** Audit events for tests. */
public final class TestEvents {

  public static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private TestEvents() {}

  public static AuditEvent issued(
      String tokenId, String subject, String client, int partition, long offset, String... scopes) {
    return new AuditEvent(
        "ev-issued-" + tokenId,
        "TokenIssued",
        T0 + offset * 1000,
        subject,
        client,
        tokenId,
        "grant-" + tokenId,
        "urn:api",
        "CLIENT_CREDENTIALS",
        List.of(scopes),
        "ISSUED",
        "policy approved",
        "default",
        "7",
        "issuer",
        T0 + offset * 1000 + 600_000,
        "tokenwatch.token-issued",
        partition,
        offset,
        "{\"token_id\":\"" + tokenId + "\"}");
  }

  public static AuditEvent used(
      String eventId,
      String tokenId,
      String subject,
      String client,
      String decision,
      int partition,
      long offset,
      String... scopes) {
    return new AuditEvent(
        eventId,
        "TokenUsed",
        T0 + offset * 1000,
        subject,
        client,
        tokenId,
        null,
        null,
        null,
        List.of(scopes),
        decision,
        decision.equals("DENIED") ? "REVOKED" : null,
        null,
        null,
        "validator-1",
        null,
        "tokenwatch.token-used",
        partition,
        offset,
        "{\"event_id\":\"" + eventId + "\",\"détail\":\"ünïcode ✓\"}");
  }

  public static AuditEvent revoked(String eventId, String tokenId, int partition, long offset) {
    return new AuditEvent(
        eventId,
        "Revocation",
        T0 + offset * 1000,
        null,
        null,
        tokenId,
        null,
        null,
        null,
        List.of(),
        "REVOKED",
        "ADMIN",
        null,
        null,
        "admin@example.com",
        null,
        "tokenwatch.revocations",
        partition,
        offset,
        "{}");
  }
}
