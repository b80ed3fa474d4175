package io.tokenwatch.bench.signals;

import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each revoked token's SET reached one receiver, by token id, and how many SETs arrived more
 * than once (by jti). Thread-safe.
 */
final class Arrivals {

  private static final String SESSION_REVOKED =
      "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

  final String name;
  private final Map<String, Long> byToken = new ConcurrentHashMap<>();
  private final Map<String, Boolean> jtis = new ConcurrentHashMap<>();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong other = new AtomicLong();

  Arrivals(String name) {
    this.name = name;
  }

  /** Records one SET received at {@code nanos}; returns its jti. */
  String record(String set, long nanos) throws ParseException {
    SignedJWT jwt = SignedJWT.parse(set);
    Map<String, Object> claims = jwt.getJWTClaimsSet().getClaims();
    String jti = String.valueOf(claims.get("jti"));
    if (jtis.putIfAbsent(jti, Boolean.TRUE) != null) {
      duplicates.incrementAndGet();
      return jti;
    }
    tokenId(claims)
        .ifPresentOrElse(token -> byToken.putIfAbsent(token, nanos), other::incrementAndGet);
    return jti;
  }

  /** When the SET revoking {@code tokenId} arrived, if it did. */
  Optional<Long> arrival(String tokenId) {
    return Optional.ofNullable(byToken.get(tokenId));
  }

  int tokens() {
    return byToken.size();
  }

  /** The token id a SET revokes, when it is a {@code session-revoked} of one token. */
  static Optional<String> tokenIdOf(String set) throws ParseException {
    return tokenId(SignedJWT.parse(set).getJWTClaimsSet().getClaims());
  }

  /** The token id of a {@code session-revoked} SET whose subject is a token. */
  private static Optional<String> tokenId(Map<String, Object> claims) {
    Object events = claims.get("events");
    Object subject = claims.get("sub_id");
    if (!(events instanceof Map<?, ?> map)
        || !map.containsKey(SESSION_REVOKED)
        || !(subject instanceof Map<?, ?> sub)) {
      return Optional.empty();
    }
    Object token = sub.get("token");
    if (token instanceof Map<?, ?> opaque && opaque.get("id") instanceof String id) {
      return Optional.of(id);
    }
    return Optional.empty();
  }
}
