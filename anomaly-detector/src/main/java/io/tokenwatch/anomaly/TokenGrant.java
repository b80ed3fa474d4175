package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A token the issuer minted. */
public record TokenGrant(
    String eventId,
    Instant at,
    String tokenId,
    String subject,
    String clientId,
    String grantId,
    List<String> scopes,
    Instant expiresAt,
    @Nullable Integer maxUses,
    @Nullable String bindingThumbprint) {

  public TokenGrant {
    requireNonNull(eventId, "eventId");
    requireNonNull(at, "at");
    requireNonNull(tokenId, "tokenId");
    requireNonNull(subject, "subject");
    requireNonNull(clientId, "clientId");
    requireNonNull(grantId, "grantId");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(expiresAt, "expiresAt");
  }
}
