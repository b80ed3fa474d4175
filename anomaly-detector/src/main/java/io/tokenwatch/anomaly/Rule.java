package io.tokenwatch.anomaly;

import java.util.Locale;

/** The detection rules; the names are the ids alerts carry. */
public enum Rule {
  /** Scopes beyond what the token, policy, parent or the client's baseline carries. */
  SCOPE_ESCALATION,
  /** A token presented by another client or key, or a client and subject from a new network. */
  UNFAMILIAR_CLIENT,
  /** A revoked token presented again. */
  REPLAY_AFTER_REVOCATION,
  /** Bursts of expired-token presentations. */
  USE_AFTER_EXPIRY,
  /** One token used from many sources or keys. */
  TOKEN_SPREAD,
  /** A client's use rate far above its own baseline. */
  USAGE_SPIKE,
  /** The issuer revoked a grant because a rotated refresh token was presented again. */
  REFRESH_TOKEN_REUSE,
  /** Uses accepted beyond {@code max_uses}. */
  MAX_USE_OVERSHOOT,
  /** A validator stopped sending status reports. */
  VALIDATOR_SILENT,
  /** A validator reports its revocation feed not ready or staler than allowed. */
  VALIDATOR_STALE;

  /**
   * Whether the rule watches validators' status reports by the detector's wall clock rather than
   * token events by event time: it fires on no token, grant, subject or client, never revokes and
   * does not run in a replay.
   */
  public boolean watchesValidators() {
    return this == VALIDATOR_SILENT || this == VALIDATOR_STALE;
  }

  /** The rule's configuration prefix, e.g. {@code token-spread}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
