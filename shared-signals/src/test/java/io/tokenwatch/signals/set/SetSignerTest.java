package io.tokenwatch.signals.set;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.VerificationJwkSelector;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SETs are checked with jose4j against the issuer's JWKS, independently of the signing library. */
class SetSignerTest {

  private static final String ISSUER = "https://issuer.example";

  @TempDir Path dataDir;
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void shouldSignASetThatJose4jVerifiesWithTheIssuersJwks(SigningAlgorithm algorithm)
      throws Exception {
    SigningKeys issuer = SigningKeys.open(dataDir, algorithm, clock);
    SetSigner signer =
        new SetSigner(SigningKeys.load(dataDir, clock), ISSUER, clock, Duration.ofSeconds(30));
    SecurityEvent event = event();

    String set = signer.sign("receiver-aud", event);

    JsonWebSignature jws = verified(set, issuer.jwksJson());
    assertThat(jws.getHeader("typ")).isEqualTo("secevent+jwt");
    assertThat(jws.getKeyIdHeaderValue()).isEqualTo(issuer.current().kid());
    assertThat(jws.getAlgorithmHeaderValue()).isEqualTo(algorithm.jws().getName());
    JwtClaims claims = JwtClaims.parse(jws.getPayload());
    assertThat(claims.getIssuer()).isEqualTo(ISSUER);
    assertThat(claims.getAudience()).containsExactly("receiver-aud");
    assertThat(claims.getIssuedAt().getValue()).isEqualTo(clock.instant().getEpochSecond());
    assertThat(claims.getJwtId()).isEqualTo(event.jti());
    assertThat(claims.hasClaim("exp")).isFalse();
    assertThat(claims.hasClaim("sub")).isFalse();
    assertThat(claims.getClaimValue("txn")).isEqualTo("txn-1");
    assertThat(claims.getClaimValue("sub_id"))
        .isEqualTo(Map.of("format", "iss_sub", "iss", ISSUER, "sub", "alice"));
    @SuppressWarnings("unchecked")
    Map<String, Object> events = (Map<String, Object>) claims.getClaimsMap().get("events");
    assertThat(events).containsOnlyKeys(EventType.SESSION_REVOKED.uri());
    @SuppressWarnings("unchecked")
    Map<String, Object> member = (Map<String, Object>) events.get(EventType.SESSION_REVOKED.uri());
    assertThat(member)
        .containsEntry("event_timestamp", Instant.parse("2029-12-31T23:00:00Z").getEpochSecond())
        .containsEntry("initiating_entity", "admin")
        .containsEntry("reason_admin", Map.of("en", "stolen laptop"));
    // A SET consumer as receivers configure one: typ checked, no expiry required.
    JwtConsumer consumer =
        new JwtConsumerBuilder()
            .setExpectedType(true, "secevent+jwt")
            .setExpectedIssuer(ISSUER)
            .setExpectedAudience("receiver-aud")
            .setSkipDefaultAudienceValidation()
            .setVerificationKeyResolver(
                new JwksVerificationKeyResolver(
                    new JsonWebKeySet(issuer.jwksJson()).getJsonWebKeys()))
            .setEvaluationTime(
                org.jose4j.jwt.NumericDate.fromSeconds(clock.instant().getEpochSecond()))
            .build();
    assertThat(consumer.processToClaims(set).getJwtId()).isEqualTo(event.jti());
  }

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void shouldSignWithTheIssuersNewKeyOnceTheReloadIntervalHasPassed(SigningAlgorithm algorithm)
      throws Exception {
    SigningKeys issuer = SigningKeys.open(dataDir, algorithm, clock);
    SetSigner signer =
        new SetSigner(SigningKeys.load(dataDir, clock), ISSUER, clock, Duration.ofSeconds(30));
    String old = issuer.current().kid();
    issuer.rotate(algorithm, Duration.ofMinutes(15));

    assertThat(verified(signer.sign("aud", event()), issuer.jwksJson()).getKeyIdHeaderValue())
        .isEqualTo(old);
    clock.advance(Duration.ofSeconds(31));
    assertThat(verified(signer.sign("aud", event()), issuer.jwksJson()).getKeyIdHeaderValue())
        .isEqualTo(issuer.current().kid());
  }

  private static JsonWebSignature verified(String set, String jwksJson) throws Exception {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setCompactSerialization(set);
    jws.setKey(
        new VerificationJwkSelector()
            .select(jws, new JsonWebKeySet(jwksJson).getJsonWebKeys())
            .getKey());
    assertThat(jws.verifySignature()).as("signature verifies with jose4j").isTrue();
    return jws;
  }

  private static SecurityEvent event() {
    return new SecurityEvent(
        "3f1c9a34-5b0e-5d2e-9a57-0f1e2d3c4b5a",
        EventType.SESSION_REVOKED,
        new SubjectId.IssSub(ISSUER, "alice"),
        Instant.parse("2029-12-31T23:00:00Z"),
        Map.of("initiating_entity", "admin", "reason_admin", Map.of("en", "stolen laptop")),
        "txn-1");
  }
}
