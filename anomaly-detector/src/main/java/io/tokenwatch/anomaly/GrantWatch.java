package io.tokenwatch.anomaly;

import org.jspecify.annotations.Nullable;

/** Whose a grant is, learned from its tokens. Mutable; changed only by {@link GrantRules}. */
public final class GrantWatch {

  @Nullable String subject;
  @Nullable String clientId;
  @Nullable String lastTokenId;
  long expiresAt;
  long lastEventAt;

  public GrantWatch() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    return Math.max(expiresAt, lastEventAt) + settings.maxTokenTtl().toMillis();
  }
}
