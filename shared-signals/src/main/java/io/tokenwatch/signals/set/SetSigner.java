package io.tokenwatch.signals.set;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SetClaims;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs security events as Security Event Tokens (RFC 8417) with the issuer's current key: header
 * {@code typ: secevent+jwt}, the key's {@code alg} and {@code kid}; claims per {@link SetClaims}.
 * Receivers verify them with the issuer's JWKS.
 *
 * <p>The key directory is re-read at most every {@code reloadInterval}, so a rotation by the issuer
 * is followed without a restart. Thread-safe.
 */
public final class SetSigner {

  /** The media type of a SET, also its {@code typ} header (RFC 8417 section 2.3). */
  public static final String TYP = "secevent+jwt";

  private static final Logger log = LoggerFactory.getLogger(SetSigner.class);

  private final SigningKeys keys;
  private final String issuer;
  private final Clock clock;
  private final Duration reloadInterval;
  private volatile Instant nextReload;

  /**
   * @param keys the issuer's keys, typically {@link SigningKeys#load}
   * @param issuer the {@code iss} of every SET
   * @param clock the source of {@code iat}
   * @param reloadInterval how often the key directory is re-read
   */
  public SetSigner(SigningKeys keys, String issuer, Clock clock, Duration reloadInterval) {
    this.keys = requireNonNull(keys, "keys");
    this.issuer = requireNonNull(issuer, "issuer");
    this.clock = requireNonNull(clock, "clock");
    this.reloadInterval = requireNonNull(reloadInterval, "reloadInterval");
    this.nextReload = clock.instant().plus(reloadInterval);
  }

  /**
   * The compact serialization of {@code event} as a SET for {@code audience}, issued now.
   *
   * @throws IllegalStateException when signing fails
   */
  public String sign(String audience, SecurityEvent event) {
    requireNonNull(audience, "audience");
    requireNonNull(event, "event");
    Instant now = clock.instant();
    reloadWhenDue(now);
    SigningKey key = keys.current();
    JWSHeader header =
        new JWSHeader.Builder(key.algorithm().jws())
            .type(new JOSEObjectType(TYP))
            .keyID(key.kid())
            .build();
    JWSObject jws = new JWSObject(header, new Payload(SetClaims.of(issuer, audience, now, event)));
    try {
      jws.sign(key.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign SET " + event.jti() + ": " + e.getMessage(), e);
    }
    return jws.serialize();
  }

  /** The issuer's JWKS, against which receivers verify the SETs. */
  public String jwksJson() {
    return keys.jwksJson();
  }

  private void reloadWhenDue(Instant now) {
    if (now.isBefore(nextReload)) {
      return;
    }
    nextReload = now.plus(reloadInterval);
    try {
      if (keys.reload()) {
        log.info("Signing SETs with the issuer's new key {}", keys.current().kid());
      }
    } catch (RuntimeException e) {
      log.warn("Cannot re-read the issuer's keys, signing with the loaded ones: {}", e.toString());
    }
  }
}
