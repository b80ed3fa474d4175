package io.tokenwatch.anomaly;

import java.util.NavigableMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Whose a grant is, learned from its tokens. Mutable; changed only by {@link GrantRules}. */
public final class GrantWatch {

  @Nullable String subject;
  @Nullable String clientId;
  @Nullable String lastTokenId;

  /**
   * The grant's latest tokens by issue time (epoch ms), at most {@link #TOKENS_KEPT}: a reuse
   * revocation names the latest one issued at or before it, whatever order a replay delivers them
   * in. Empty in state written before it existed, which falls back to {@link #lastTokenId}.
   */
  NavigableMap<Long, String> tokens = new TreeMap<>();

  static final int TOKENS_KEPT = 16;
  long expiresAt;
  long lastEventAt;

  public GrantWatch() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    return Math.max(expiresAt, lastEventAt) + settings.maxTokenTtl().toMillis();
  }
}
