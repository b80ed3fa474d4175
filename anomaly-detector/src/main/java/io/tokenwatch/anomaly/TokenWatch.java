package io.tokenwatch.anomaly;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What the detector remembers of one token: its issuance, its revocation, and the recent uses the
 * per-token rules count. Mutable; the value of the per-token store, changed only by {@link
 * TokenRules}.
 */
public final class TokenWatch {

  @Nullable String subject;
  @Nullable String clientId;
  @Nullable String grantId;
  @Nullable String binding;
  List<String> scopes = new ArrayList<>();
  long expiresAt;
  @Nullable Integer maxUses;
  @Nullable String issueEventId;

  long revokedAt;
  @Nullable String revocationEventId;

  Recent insufficientScope = new Recent();

  /** The missing scopes of recent insufficient-scope denials, as sorted text, with when last. */
  Map<String, Long> missingScopes = new TreeMap<>();

  Recent expired = new Recent();
  Recent replays = new Recent();
  Map<String, Sighting> sources = new LinkedHashMap<>();
  Map<String, Sighting> bindings = new LinkedHashMap<>();
  long allowedUses;
  Map<String, Long> allowedByValidator = new TreeMap<>();
  Recent overshoot = new Recent();

  long lastEventAt;

  /** An empty watch, for a token not seen before. */
  public TokenWatch() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    if (expiresAt > 0) {
      return Math.max(expiresAt, lastEventAt) + settings.tokenRetention().toMillis();
    }
    return lastEventAt + settings.maxTokenTtl().toMillis();
  }

  /** Whether the issuance of the token was seen. */
  public boolean issued() {
    return issueEventId != null;
  }

  /** Whether a revocation of exactly this token was seen. */
  public boolean revoked() {
    return revokedAt > 0;
  }

  /** Whether a use from {@code address} is remembered (within the spread window). */
  public boolean knowsSource(@Nullable String address) {
    return address != null && sources.containsKey(address);
  }

  /**
   * Whether, besides {@code address}'s network, the token was used from another network since
   * {@code from} (epoch ms): used in two places at once.
   */
  public boolean usedElsewhereSince(String address, long from, DetectionSettings settings) {
    String network = Networks.of(address, settings.ipv4Prefix(), settings.ipv6Prefix());
    for (Map.Entry<String, Sighting> e : sources.entrySet()) {
      if (e.getValue().lastAt >= from
          && !network.equals(
              Networks.of(e.getKey(), settings.ipv4Prefix(), settings.ipv6Prefix()))) {
        return true;
      }
    }
    return false;
  }

  /** Accepted uses counted so far. */
  public long allowedUses() {
    return allowedUses;
  }
}
