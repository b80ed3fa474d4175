package io.tokenwatch.issuer.revocation;

import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.issuer.policy.OAuthError;
import org.jspecify.annotations.Nullable;

/** Outcome of a revocation call. */
public sealed interface RevocationOutcome {

  /**
   * Recorded; {@code selector} is the feed key ({@code none} for a token RFC 7009 asks to ignore).
   *
   * @param receipt where the revocation landed, when one was written
   */
  record Accepted(String selector, @Nullable RevocationReceipt receipt)
      implements RevocationOutcome {
    /** Nothing written. */
    public Accepted(String selector) {
      this(selector, null);
    }
  }

  /** Refused with an OAuth error. */
  record Refused(OAuthError error, String description, boolean basicChallenge)
      implements RevocationOutcome {}
}
