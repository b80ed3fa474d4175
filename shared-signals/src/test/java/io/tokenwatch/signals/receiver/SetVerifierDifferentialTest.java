package io.tokenwatch.signals.receiver;

import static io.tokenwatch.signals.receiver.UpstreamSets.AUDIENCE;
import static io.tokenwatch.signals.receiver.UpstreamSets.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

/**
 * The JOSE and JWT checks against an independent implementation: for SETs with any mix of issuer,
 * audience, issue time, {@code typ}, algorithm, key and signature defects, the receiver accepts
 * exactly when jose4j's JWT consumer, configured with the same rules, does.
 */
class SetVerifierDifferentialTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final UpstreamSets UPSTREAM = new UpstreamSets();

  private final SetVerifier verifier =
      new SetVerifier(
          new ReceiverPolicy(
              ISSUER,
              AUDIENCE,
              Set.of("ES256", "RS256"),
              Duration.ofHours(1),
              Duration.ofSeconds(60),
              8192,
              new SubjectMapping(Set.of(SubjectMapping.Format.ISS_SUB), ISSUER)),
          new UpstreamKeys(
              new TestKeys(UPSTREAM::jwksJson),
              Duration.ZERO,
              Duration.ofHours(1),
              Clock.fixed(NOW, ZoneOffset.UTC)));

  private final JwtConsumer reference;

  SetVerifierDifferentialTest() throws Exception {
    reference =
        new JwtConsumerBuilder()
            .setExpectedIssuer(ISSUER)
            .setExpectedAudience(AUDIENCE)
            .setRequireIssuedAt()
            .setIssuedAtRestrictions(60, 3600)
            .setRequireJwtId()
            .setEvaluationTime(NumericDate.fromSeconds(NOW.getEpochSecond()))
            .setJwsAlgorithmConstraints(
                AlgorithmConstraints.ConstraintType.PERMIT,
                AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                AlgorithmIdentifiers.RSA_USING_SHA256)
            .setExpectedType(true, "secevent+jwt")
            .setVerificationKeyResolver(
                new JwksVerificationKeyResolver(
                    new JsonWebKeySet(UPSTREAM.jwksJson()).getJsonWebKeys()))
            .build();
  }

  // Each defect is drawn now and then, so that a fair share of SETs is good and both sides of
  // the decision are compared (the coverage check below fails the property otherwise).

  @Provide
  Arbitrary<Long> iatOffsets() {
    // Clear of the window's edges (-3600 s, +60 s), where the two libraries round differently.
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(-3500L, -600L, -1L, 0L, 30L)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(-7200L, -3700L, 90L, 3600L)));
  }

  @Provide
  Arbitrary<Object> audiences() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            6, Arbitraries.of(AUDIENCE, List.of("https://other.example.com", AUDIENCE))),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("https://other.example.com", List.of())));
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of("secevent+jwt", "application/secevent+jwt")),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("JWT", "at+jwt", "none")));
  }

  @Provide
  Arbitrary<Integer> signings() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(0, 1)),
        net.jqwik.api.Tuple.of(3, Arbitraries.of(2, 3, 4, 5)));
  }

  @Property(tries = 200)
  void shouldAcceptExactlyWhatJose4jAccepts(
      @ForAll @IntRange(min = 0, max = 5) int issuer,
      @ForAll("audiences") Object audience,
      @ForAll("iatOffsets") long iatOffset,
      @ForAll("types") String typ,
      @ForAll("signings") int signing,
      @ForAll @IntRange(min = 0, max = 5) int jti) {
    boolean rightIssuer = issuer != 0;
    boolean withJti = jti != 0;
    Map<String, Object> claims = UpstreamSets.claims("alice", NOW.plusSeconds(iatOffset));
    claims.put("iss", rightIssuer ? ISSUER : "https://impostor.example.com");
    claims.put("aud", audience);
    if (!withJti) {
      claims.remove("jti");
    }
    String json = UpstreamSets.json(claims);
    String headerType = typ.equals("none") ? null : typ;
    String set =
        switch (signing) {
          case 0 ->
              UPSTREAM.sign(
                  json, headerType, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, "ec-1");
          case 1 -> UPSTREAM.sign(json, headerType, AlgorithmIdentifiers.RSA_USING_SHA256, "rsa-1");
          case 2 -> UpstreamSets.signWithForeignKey(claims, "ec-1");
          case 3 -> UpstreamSets.signHmac(claims, "ec-1");
          case 4 -> UpstreamSets.unsecured(claims);
          default ->
              UPSTREAM.sign(
                  json, headerType, AlgorithmIdentifiers.RSA_USING_SHA256, "ec-1", "rsa-1");
        };

    boolean accepted =
        verifier.verify(set.getBytes(StandardCharsets.UTF_8), NOW) instanceof Verdict.Accepted;
    boolean referenceAccepts;
    try {
      reference.processToClaims(set);
      referenceAccepts = true;
    } catch (InvalidJwtException e) {
      referenceAccepts = false;
    }

    assertThat(accepted).as("receiver accepts %s", claims).isEqualTo(referenceAccepts);
    net.jqwik.api.statistics.Statistics.label("accepted").collect(accepted);
    net.jqwik.api.statistics.Statistics.label("accepted")
        .coverage(
            coverage -> {
              coverage.check(true).percentage(p -> p >= 5);
              coverage.check(false).percentage(p -> p >= 5);
            });
  }
}
