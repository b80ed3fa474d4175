package io.tokenwatch.issuer.revocation;

import io.tokenwatch.issuer.policy.OAuthError;

/** Outcome of a revocation call. */
public sealed interface RevocationOutcome {

  /** Recorded; {@code selector} is the feed key. */
  record Accepted(String selector) implements RevocationOutcome {}

  /** Refused with an OAuth error. */
  record Refused(OAuthError error, String description, boolean basicChallenge)
      implements RevocationOutcome {}
}
