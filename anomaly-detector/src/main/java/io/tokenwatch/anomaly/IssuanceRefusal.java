package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A token request the issuer refused.
 *
 * @param reason the issuer's deny reason name, e.g. {@code SCOPE_NOT_APPROVED}
 * @param grantType the grant type name, e.g. {@code REFRESH_TOKEN}
 */
public record IssuanceRefusal(
    String eventId,
    Instant at,
    String clientId,
    @Nullable String subject,
    String reason,
    String grantType,
    List<String> requestedScopes,
    List<String> allowedScopes,
    @Nullable String parentTokenId,
    @Nullable String grantId) {

  public IssuanceRefusal {
    requireNonNull(eventId, "eventId");
    requireNonNull(at, "at");
    requireNonNull(clientId, "clientId");
    requireNonNull(reason, "reason");
    requireNonNull(grantType, "grantType");
    requestedScopes = List.copyOf(requireNonNull(requestedScopes, "requestedScopes"));
    allowedScopes = List.copyOf(requireNonNull(allowedScopes, "allowedScopes"));
  }

  /** Scopes requested beyond those allowed. */
  public List<String> excessScopes() {
    return requestedScopes.stream().filter(s -> !allowedScopes.contains(s)).toList();
  }
}
