package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A validator's decision on a presented token.
 *
 * @param denyReason null when allowed
 */
public record TokenUse(
    String eventId,
    Instant at,
    String tokenId,
    @Nullable String subject,
    @Nullable String tokenClientId,
    @Nullable String presentedClientId,
    @Nullable String bindingThumbprint,
    @Nullable String sourceAddress,
    String validatorId,
    List<String> requiredScopes,
    List<String> tokenScopes,
    boolean allowed,
    @Nullable DenyReason denyReason,
    @Nullable Integer maxUses,
    @Nullable Instant expiresAt,
    @Nullable String grantId) {

  public TokenUse {
    requireNonNull(eventId, "eventId");
    requireNonNull(at, "at");
    requireNonNull(tokenId, "tokenId");
    requireNonNull(validatorId, "validatorId");
    requiredScopes = List.copyOf(requireNonNull(requiredScopes, "requiredScopes"));
    tokenScopes = List.copyOf(requireNonNull(tokenScopes, "tokenScopes"));
    if (allowed && denyReason != null) {
      throw new IllegalArgumentException("an allowed use has no deny reason");
    }
  }

  /** Whether the validator denied with {@code reason}. */
  public boolean deniedFor(DenyReason reason) {
    return !allowed && denyReason == reason;
  }
}
