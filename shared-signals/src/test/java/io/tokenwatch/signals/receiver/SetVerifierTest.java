package io.tokenwatch.signals.receiver;

import static io.tokenwatch.signals.receiver.UpstreamSets.AUDIENCE;
import static io.tokenwatch.signals.receiver.UpstreamSets.ISSUER;
import static io.tokenwatch.signals.receiver.UpstreamSets.claims;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.signals.EventType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.junit.jupiter.api.Test;

/** SETs made with jose4j, verified by the receiver's rules; each defect with its err code. */
class SetVerifierTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final UpstreamSets UPSTREAM = new UpstreamSets();

  private final TestKeys fetcher = new TestKeys(UPSTREAM::jwksJson);
  private final SetVerifier verifier = verifier(Set.of(SubjectMapping.Format.ISS_SUB));

  private SetVerifier verifier(Set<SubjectMapping.Format> formats) {
    ReceiverPolicy policy =
        new ReceiverPolicy(
            ISSUER,
            AUDIENCE,
            Set.of("ES256", "RS256"),
            Duration.ofHours(1),
            Duration.ofSeconds(60),
            4096,
            new SubjectMapping(formats, ISSUER));
    return new SetVerifier(
        policy,
        new UpstreamKeys(
            fetcher,
            Duration.ofSeconds(30),
            Duration.ofHours(1),
            java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC)));
  }

  private Verdict verify(String set) {
    return verifier.verify(set.getBytes(StandardCharsets.UTF_8), NOW);
  }

  private static void assertRefused(Verdict verdict, RefusalReason reason, String err) {
    assertThat(verdict).isInstanceOf(Verdict.Refused.class);
    Verdict.Refused refused = (Verdict.Refused) verdict;
    assertThat(refused.reason()).as(refused.description()).isEqualTo(reason);
    assertThat(refused.reason().err()).isEqualTo(err);
  }

  @Test
  void shouldAcceptSessionRevokedAsAnAdminRevocationOfTheSubjectUpToTheEventsSecond() {
    Map<String, Object> claims = claims("alice", NOW.minusSeconds(30));
    Verdict verdict = verify(UPSTREAM.sign(claims));

    assertThat(verdict).isInstanceOf(Verdict.Accepted.class);
    Verdict.Accepted accepted = (Verdict.Accepted) verdict;
    assertThat(accepted.signal().type()).isEqualTo(EventType.SESSION_REVOKED);
    RevocationOrder order = accepted.order();
    assertThat(order.subject()).isEqualTo("alice");
    assertThat(order.issuedBefore()).isEqualTo(NOW.minusSeconds(29));
    assertThat(order.cause()).isEqualTo(RevocationOrder.Cause.ADMIN);
    assertThat(order.requestedBy()).isEqualTo("ssf:" + ISSUER);
    assertThat(order.detail())
        .contains(ISSUER, (String) claims.get("jti"), UpstreamSets.SESSION_REVOKED);
  }

  @Test
  void shouldAcceptTheFullMediaTypeAsTyp() {
    String set =
        UPSTREAM.sign(
            UpstreamSets.json(claims("alice", NOW)),
            "application/secevent+jwt",
            AlgorithmIdentifiers.RSA_USING_SHA256,
            "rsa-1");
    assertThat(verify(set)).isInstanceOf(Verdict.Accepted.class);
  }

  @Test
  void shouldRevokeAsCompromisedOnCredentialChangeAndAccountDisabledAtTheEventTimestamp() {
    for (String type : List.of(UpstreamSets.CREDENTIAL_CHANGE, UpstreamSets.ACCOUNT_DISABLED)) {
      Map<String, Object> claims = claims("bob", NOW);
      claims.put(
          "events",
          Map.of(type, Map.of("event_timestamp", NOW.minusSeconds(600).getEpochSecond())));
      Verdict verdict = verify(UPSTREAM.sign(claims));
      assertThat(verdict).as(type).isInstanceOf(Verdict.Accepted.class);
      RevocationOrder order = ((Verdict.Accepted) verdict).order();
      assertThat(order.cause()).isEqualTo(RevocationOrder.Cause.COMPROMISED);
      assertThat(order.issuedBefore()).isEqualTo(NOW.minusSeconds(599));
    }
  }

  @Test
  void shouldUseIatAsTheEventTimeWhenTheEventHasNoTimestamp() {
    Map<String, Object> claims = claims("bob", NOW.minusSeconds(100));
    claims.put("events", Map.of(UpstreamSets.SESSION_REVOKED, Map.of()));
    Verdict.Accepted accepted = (Verdict.Accepted) verify(UPSTREAM.sign(claims));
    assertThat(accepted.order().issuedBefore()).isEqualTo(NOW.minusSeconds(99));
  }

  @Test
  void shouldMapAComplexSubjectByItsUserAndEmailsWhenConfigured() {
    SetVerifier withEmail =
        verifier(Set.of(SubjectMapping.Format.ISS_SUB, SubjectMapping.Format.EMAIL));
    Map<String, Object> claims = claims("ignored", NOW);
    claims.put(
        "sub_id",
        Map.of(
            "format", "complex",
            "user", Map.of("format", "email", "email", "Carol@Example.COM"),
            "session", Map.of("format", "opaque", "id", "s-1")));
    Verdict verdict = withEmail.verify(UPSTREAM.sign(claims).getBytes(StandardCharsets.UTF_8), NOW);
    assertThat(((Verdict.Accepted) verdict).order().subject()).isEqualTo("Carol@example.com");
  }

  @Test
  void shouldAcknowledgeAndIgnoreEventTypesItDoesNotActOn() {
    for (String type : List.of(UpstreamSets.VERIFICATION, "https://example.com/unknown-event")) {
      Map<String, Object> claims = claims("alice", NOW);
      claims.remove("sub_id");
      claims.put("events", Map.of(type, Map.of("state", "x")));
      Verdict verdict = verify(UPSTREAM.sign(claims));
      assertThat(verdict).isEqualTo(new Verdict.Ignored((String) claims.get("jti"), type));
      assertThat(verdict.acknowledged()).isTrue();
    }
  }

  @Test
  void shouldRefuseABadSignature() {
    assertRefused(
        verify(UpstreamSets.signWithForeignKey(claims("alice", NOW), "ec-1")),
        RefusalReason.BAD_SIGNATURE,
        "invalid_key");
  }

  @Test
  void shouldRefuseATamperedPayload() {
    String set = UPSTREAM.sign(claims("alice", NOW));
    String[] parts = set.split("\\.");
    String other = UPSTREAM.sign(claims("mallory", NOW)).split("\\.")[1];
    assertRefused(
        verify(parts[0] + "." + other + "." + parts[2]),
        RefusalReason.BAD_SIGNATURE,
        "invalid_key");
  }

  @Test
  void shouldRefuseAnUnknownKid() {
    assertRefused(
        verify(UpstreamSets.signWithForeignKey(claims("alice", NOW), "ec-2")),
        RefusalReason.UNKNOWN_KEY,
        "invalid_key");
  }

  @Test
  void shouldRefuseAlgNone() {
    assertRefused(
        verify(UpstreamSets.unsecured(claims("alice", NOW))),
        RefusalReason.ALGORITHM_NOT_ALLOWED,
        "invalid_key");
  }

  @Test
  void shouldRefuseHmac() {
    assertRefused(
        verify(UpstreamSets.signHmac(claims("alice", NOW), "ec-1")),
        RefusalReason.ALGORITHM_NOT_ALLOWED,
        "invalid_key");
  }

  @Test
  void shouldRefuseAnAlgorithmThatDoesNotFitTheKey() {
    String set =
        UPSTREAM.sign(
            UpstreamSets.json(claims("alice", NOW)),
            "secevent+jwt",
            AlgorithmIdentifiers.RSA_USING_SHA256,
            "rsa-1");
    String[] parts = set.split("\\.");
    String header =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"alg\":\"RS256\",\"kid\":\"ec-1\",\"typ\":\"secevent+jwt\"}"
                    .getBytes(StandardCharsets.UTF_8));
    assertRefused(
        verify(header + "." + parts[1] + "." + parts[2]),
        RefusalReason.ALGORITHM_NOT_ALLOWED,
        "invalid_key");
  }

  @Test
  void shouldRefuseTheWrongIssuer() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put("iss", "https://idp.example.com/");
    Verdict verdict = verify(UPSTREAM.sign(claims));
    assertRefused(verdict, RefusalReason.WRONG_ISSUER, "invalid_issuer");
    assertThat(((Verdict.Refused) verdict).jti()).isEqualTo(claims.get("jti"));
  }

  @Test
  void shouldRefuseTheWrongAudience() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put("aud", List.of("https://other.example.com"));
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.WRONG_AUDIENCE, "invalid_audience");
  }

  @Test
  void shouldAcceptAnAudienceArrayContainingTheAudience() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put("aud", List.of("https://other.example.com", AUDIENCE));
    assertThat(verify(UPSTREAM.sign(claims))).isInstanceOf(Verdict.Accepted.class);
  }

  @Test
  void shouldRefuseAStaleIat() {
    assertRefused(
        verify(UPSTREAM.sign(claims("alice", NOW.minus(Duration.ofHours(1)).minusSeconds(1)))),
        RefusalReason.STALE,
        "invalid_request");
  }

  @Test
  void shouldRefuseAnIatInTheFutureBeyondTheSkew() {
    assertRefused(
        verify(UPSTREAM.sign(claims("alice", NOW.plusSeconds(61)))),
        RefusalReason.FROM_THE_FUTURE,
        "invalid_request");
    assertThat(verify(UPSTREAM.sign(claims("alice", NOW.plusSeconds(60)))))
        .isInstanceOf(Verdict.Accepted.class);
  }

  @Test
  void shouldRefuseAnEventTimestampInTheFuture() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put(
        "events",
        Map.of(
            UpstreamSets.SESSION_REVOKED,
            Map.of("event_timestamp", NOW.plusSeconds(3600).getEpochSecond())));
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.FROM_THE_FUTURE, "invalid_request");
  }

  @Test
  void shouldRefuseTheWrongTyp() {
    for (String typ : new String[] {"JWT", "at+jwt", null}) {
      String set =
          UPSTREAM.sign(
              UpstreamSets.json(claims("alice", NOW)),
              typ,
              AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
              "ec-1");
      assertRefused(verify(set), RefusalReason.WRONG_TYPE, "invalid_request");
    }
  }

  @Test
  void shouldRefuseSeveralEventsOrNone() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put(
        "events",
        Map.of(UpstreamSets.SESSION_REVOKED, Map.of(), UpstreamSets.CREDENTIAL_CHANGE, Map.of()));
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.EVENT_COUNT, "invalid_request");
    claims.put("events", Map.of());
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.EVENT_COUNT, "invalid_request");
  }

  @Test
  void shouldRefuseSubjectsItCannotMapInsteadOfGuessing() {
    List<Map<String, Object>> subjects =
        List.of(
            Map.of("format", "iss_sub", "iss", "https://other.example.com", "sub", "alice"),
            Map.of("format", "email", "email", "alice@example.com"),
            Map.of("format", "opaque", "id", "alice"),
            Map.of("format", "complex", "session", Map.of("format", "opaque", "id", "s")));
    for (Map<String, Object> subject : subjects) {
      Map<String, Object> claims = claims("alice", NOW);
      claims.put("sub_id", subject);
      assertRefused(
          verify(UPSTREAM.sign(claims)), RefusalReason.UNMAPPABLE_SUBJECT, "invalid_request");
    }
  }

  @Test
  void shouldRefuseTwoDifferentSubjects() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put(
        "events",
        Map.of(
            UpstreamSets.SESSION_REVOKED,
            Map.of("subject", Map.of("format", "iss_sub", "iss", ISSUER, "sub", "bob"))));
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.BAD_SUBJECT, "invalid_request");
  }

  @Test
  void shouldRefuseAnOversizedBody() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.put("padding", "x".repeat(5000));
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.OVERSIZED, "invalid_request");
  }

  @Test
  void shouldRefuseADuplicateClaim() {
    String payload =
        UpstreamSets.json(claims("alice", NOW)).replaceFirst("\\{", "{\"iss\":\"" + ISSUER + "\",");
    String set =
        UPSTREAM.sign(
            payload,
            "secevent+jwt",
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
            "ec-1");
    assertRefused(verify(set), RefusalReason.DUPLICATE_MEMBER, "invalid_request");
  }

  @Test
  void shouldRefuseWhatIsNotACompactJws() {
    for (String body : List.of("", "a.b", "not a jwt", "a.b.c.d.e", "e30.e30.e30.e30")) {
      assertRefused(verify(body), RefusalReason.MALFORMED, "invalid_request");
    }
    assertRefused(
        verifier.verify(new byte[] {(byte) 0xff, '.', 'a', '.', 'b'}, NOW),
        RefusalReason.MALFORMED,
        "invalid_request");
  }

  @Test
  void shouldRefuseAMissingJtiOrIat() {
    Map<String, Object> claims = claims("alice", NOW);
    claims.remove("jti");
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.MISSING_JTI, "invalid_request");
    claims = claims("alice", NOW);
    claims.put("iat", "yesterday");
    assertRefused(verify(UPSTREAM.sign(claims)), RefusalReason.MISSING_IAT, "invalid_request");
  }

  @Test
  void shouldFetchTheKeysAgainForAnUnknownKidAtMostOncePerInterval() {
    for (int i = 0; i < 5; i++) {
      verify(UpstreamSets.signWithForeignKey(claims("alice", NOW), "made-up-" + i));
    }
    assertThat(fetcher.fetches.get()).isEqualTo(1);
  }
}
