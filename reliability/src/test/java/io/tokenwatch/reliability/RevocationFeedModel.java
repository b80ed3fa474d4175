package io.tokenwatch.reliability;

import io.tokenwatch.validator.VerifiedToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The reference model of the revocation feed: a plain map from feed key to the highest watermark
 * ever requested for it.
 */
final class RevocationFeedModel {

  private RevocationFeedModel() {}

  /** What a selector names, with the values a world has for it. */
  enum Kind {
    TOKEN,
    LINEAGE,
    GRANT,
    SUBJECT,
    CLIENT,
    AUDIENCE;

    String prefix() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Kinds that name a population still receiving tokens: no watermark means the request time. */
    boolean defaultsToRequestTime() {
      return this == GRANT || this == SUBJECT || this == CLIENT || this == AUDIENCE;
    }
  }

  static String key(Kind kind, String value) {
    return kind.prefix() + ":" + value;
  }

  /** The watermark a request gets: its own; else the request time or none, by kind. */
  static long modelWatermark(Kind kind, @Nullable Instant watermark, long requestedAt) {
    if (watermark != null) {
      return watermark.toEpochMilli();
    }
    return kind.defaultsToRequestTime() ? requestedAt : Long.MAX_VALUE;
  }

  /** Whether the model revokes the token: a key naming it holds a watermark above its iat. */
  static boolean modelRevokes(Map<String, Long> model, VerifiedToken token) {
    long iat = token.issuedAt().toEpochMilli();
    List<String> keys = new ArrayList<>();
    keys.add(key(Kind.TOKEN, token.tokenId()));
    keys.add(key(Kind.LINEAGE, token.tokenId()));
    token.lineage().forEach(ancestor -> keys.add(key(Kind.LINEAGE, ancestor)));
    if (token.grantId() != null) {
      keys.add(key(Kind.GRANT, token.grantId()));
    }
    keys.add(key(Kind.SUBJECT, token.subject()));
    keys.add(key(Kind.CLIENT, token.clientId()));
    token.audience().forEach(aud -> keys.add(key(Kind.AUDIENCE, aud)));
    for (String key : keys) {
      Long watermark = model.get(key);
      if (watermark != null && iat < watermark) {
        return true;
      }
    }
    return false;
  }
}
