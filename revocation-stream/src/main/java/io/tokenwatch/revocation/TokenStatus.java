package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collection;

/** What is known about one token at one instant: the answer introspection gives. */
public sealed interface TokenStatus {

  /** The registry does not know the token, or it has expired: not active, nothing to say. */
  record Unknown() implements TokenStatus {}

  /** A live token no revocation covers. */
  record Active(LiveToken token, long useCount) implements TokenStatus {
    public Active {
      requireNonNull(token, "token");
    }
  }

  /** A live token a revocation covers. */
  record Revoked(LiveToken token, long useCount, LiveRevocation revocation) implements TokenStatus {
    public Revoked {
      requireNonNull(token, "token");
      requireNonNull(revocation, "revocation");
    }
  }

  /**
   * Decides the status of a token.
   *
   * @param token the registry's entry, or null when unknown
   * @param useCount allowed uses counted so far
   * @param revocations live revocations whose selectors may name the token
   * @param now the current time
   */
  static TokenStatus of(
      @org.jspecify.annotations.Nullable LiveToken token,
      long useCount,
      Collection<LiveRevocation> revocations,
      Instant now) {
    if (token == null || !now.isBefore(token.expiresAt())) {
      return new Unknown();
    }
    for (LiveRevocation revocation : revocations) {
      if (revocation.covers(token)) {
        return new Revoked(token, useCount, revocation);
      }
    }
    if (RevocationRules.exceedsMaxUses(useCount, token.maxUses())) {
      // The max-use revocation may still be on its way to the feed; the count already decides.
      return new Revoked(
          token,
          useCount,
          new LiveRevocation(
              new Selector(SelectorKind.TOKEN, token.id()),
              null,
              token.expiresAt(),
              Reason.MAX_USES_EXCEEDED,
              RevocationRules.STREAM_REQUESTER,
              null,
              now,
              null,
              useCount));
    }
    return new Active(token, useCount);
  }
}
