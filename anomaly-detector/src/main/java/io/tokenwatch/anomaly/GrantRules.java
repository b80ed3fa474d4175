package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * REFRESH_TOKEN_REUSE: the issuer revoked a grant because a rotated refresh token came back. The
 * grant's tokens tell whose it is. Stateless itself and thread-safe.
 */
public final class GrantRules {

  public GrantRules() {}

  /** Learns the grant's subject and client from one of its tokens. */
  public void issued(GrantWatch watch, TokenGrant grant) {
    watch.subject = grant.subject();
    watch.clientId = grant.clientId();
    watch.lastTokenId = grant.tokenId();
    watch.tokens.put(grant.at().toEpochMilli(), grant.tokenId());
    while (watch.tokens.size() > GrantWatch.TOKENS_KEPT) {
      watch.tokens.pollFirstEntry();
    }
    watch.expiresAt = Math.max(watch.expiresAt, grant.expiresAt().toEpochMilli());
    watch.lastEventAt = Math.max(watch.lastEventAt, grant.at().toEpochMilli());
  }

  /** The issuer revoked a grant for refresh token reuse: one finding, naming whose grant it was. */
  public List<Finding> reuseRevoked(GrantWatch watch, ReuseRevocation revocation) {
    requireNonNull(revocation, "revocation");
    String grantId = revocation.grantId();
    String eventId = revocation.eventId();
    Instant at = revocation.at();
    watch.lastEventAt = Math.max(watch.lastEventAt, at.toEpochMilli());
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("revoked_selector", "grant:" + grantId);
    observed.put("requested_by", revocation.requestedBy());
    String detail = revocation.detail();
    if (detail != null) {
      observed.put("detail", detail);
    }
    Map.Entry<Long, String> latest = watch.tokens.floorEntry(at.toEpochMilli());
    String lastToken =
        watch.tokens.isEmpty() ? watch.lastTokenId : latest == null ? null : latest.getValue();
    if (lastToken != null) {
      observed.put("last_access_token", lastToken);
    }
    String subject = watch.subject;
    return List.of(
        new Finding(
            Rule.REFRESH_TOKEN_REUSE,
            "grant:" + grantId,
            subject,
            watch.clientId,
            null,
            grantId,
            "A rotated refresh token of grant "
                + grantId
                + (subject != null ? " (subject " + subject + ")" : "")
                + " was presented again; the issuer revoked the grant",
            new Evidence(List.of(eventId), 1, at, at, observed, Map.of()),
            subject != null ? Target.subject(subject) : Target.grant(grantId)));
  }
}
