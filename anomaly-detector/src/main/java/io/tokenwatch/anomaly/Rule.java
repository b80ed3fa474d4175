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
  MAX_USE_OVERSHOOT;

  /** The rule's configuration prefix, e.g. {@code token-spread}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
