package io.tokenwatch.revocation;

import java.util.Locale;

/** What a selector's value names; its lower-case name is the prefix of the feed key. */
public enum SelectorKind {
  /** One token id (jti). */
  TOKEN,
  /** A grant: a refresh-token family and every token it produced. */
  GRANT,
  /** A token and every token delegated from it. */
  LINEAGE,
  /** Every token of a subject. */
  SUBJECT,
  /** Every token issued to a client. */
  CLIENT,
  /** Every token for an audience. */
  AUDIENCE;

  /** The key prefix, e.g. {@code subject}. */
  public String prefix() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether a request without a watermark gets the request time as its watermark. True for the
   * kinds that name a population still receiving new tokens, so those stay valid; a token or a
   * lineage root is revoked outright. The issuer's fast path applies the same rule ({@code
   * SelectorRules.defaultsToRequestTimeWatermark}); {@code SelectorKindTest} holds the two equal.
   */
  public boolean defaultsToRequestTimeWatermark() {
    return this == GRANT || this == SUBJECT || this == CLIENT || this == AUDIENCE;
  }
}
