package io.tokenwatch.issuer.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.testkit.RecordingEventLog;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DenialTest {

  private static final String AGENT = "reporting-agent";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:15:30.123Z"));
  private final RecordingEventLog events = new RecordingEventLog();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private Policy policy;
  private Denials denials;

  @BeforeEach
  void setUp() throws Exception {
    try (InputStream in = DenialTest.class.getResourceAsStream("/sample-policy.yaml")) {
      policy =
          new PolicyParser(Duration.ofHours(1), "https://issuer.test").parse(in.readAllBytes());
    }
    denials = new Denials(events, new IssuerMetrics(registry, () -> policy), clock);
  }

  private Attempt attempt() {
    Attempt attempt =
        new Attempt(
            new TokenRequest(
                Map.of("grant_type", "refresh_token"),
                List.of(),
                new PresentedCredentials(AGENT, "secret", true, null),
                null,
                "https://issuer.test/oauth2/token",
                "192.0.2.7"),
            policy);
    attempt.clientId = AGENT;
    attempt.grantType = GrantType.REFRESH_TOKEN;
    attempt.subject = "alice";
    attempt.audience = "https://orders.example.com";
    attempt.scopes = List.of("orders:read", "orders:export");
    attempt.ttlSeconds = 600L;
    attempt.maxUses = 3;
    attempt.parentTokenId = "parent-jti";
    attempt.grantId = "grant-1";
    return attempt;
  }

  @Test
  void shouldRecordEverythingTheAttemptKnewInTheDenialEvent() {
    Denial denial =
        new Denial(
            IssuanceDenyReason.SCOPE_NOT_APPROVED,
            OAuthError.INVALID_SCOPE,
            "scope(s) orders:export were not granted",
            "reporting-agent/orders",
            List.of("orders:read"),
            false);

    TokenResponse answer = denials.refuse(attempt(), denial);

    assertThat(answer)
        .isEqualTo(
            new TokenResponse.Refused(
                OAuthError.INVALID_SCOPE, "scope(s) orders:export were not granted", false));
    IssuanceDenied event = events.lastDenied();
    assertThat(event.getEventId()).isNotBlank();
    assertThat(event.getOccurredAt()).isEqualTo(clock.instant());
    assertThat(event.getClientId()).isEqualTo(AGENT);
    assertThat(event.getSubject()).isEqualTo("alice");
    assertThat(event.getAudience()).isEqualTo("https://orders.example.com");
    assertThat(event.getGrantType()).isEqualTo(GrantType.REFRESH_TOKEN);
    assertThat(event.getRequestedScopes()).containsExactly("orders:read", "orders:export");
    assertThat(event.getAllowedScopes()).containsExactly("orders:read");
    assertThat(event.getRequestedTtlSeconds()).isEqualTo(600L);
    assertThat(event.getRequestedMaxUses()).isEqualTo(3);
    assertThat(event.getError()).isEqualTo("invalid_scope");
    assertThat(event.getReason()).isEqualTo(IssuanceDenyReason.SCOPE_NOT_APPROVED);
    assertThat(event.getDetail()).isEqualTo("scope(s) orders:export were not granted");
    assertThat(event.getRuleId()).isEqualTo("reporting-agent/orders");
    assertThat(event.getPolicy().getPolicyId()).isEqualTo(policy.id());
    assertThat(event.getPolicy().getPolicyVersion()).isEqualTo(policy.version());
    assertThat(event.getSourceAddress()).isEqualTo("192.0.2.7");
    assertThat(event.getParentTokenId()).isEqualTo("parent-jti");
    assertThat(event.getGrantId()).isEqualTo("grant-1");
  }

  @Test
  void shouldCountTheDenialByKnownClientAndLowerCasedReason() {
    denials.refuse(
        attempt(),
        Denial.of(IssuanceDenyReason.REFRESH_TOKEN_REUSE, OAuthError.INVALID_GRANT, "reused"));
    Attempt stranger = attempt();
    stranger.clientId = "made-up-client";
    denials.refuse(
        stranger, Denial.of(IssuanceDenyReason.UNKNOWN_CLIENT, OAuthError.INVALID_CLIENT, "who?"));

    assertThat(
            registry
                .get("tokenwatch.issuer.denied")
                .tags("client", AGENT, "reason", "refresh_token_reuse")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get("tokenwatch.issuer.denied")
                .tags("client", "unknown", "reason", "unknown_client")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void shouldAnswerWithABasicChallengeOnlyWhenTheDenialAsksForOne() {
    Denial failedBasic =
        Denial.of(IssuanceDenyReason.UNKNOWN_CLIENT, OAuthError.INVALID_CLIENT, "failed");

    assertThat(denials.refuse(attempt(), failedBasic.withBasicChallenge(true)))
        .isEqualTo(new TokenResponse.Refused(OAuthError.INVALID_CLIENT, "failed", true));
    assertThat(denials.refuse(attempt(), failedBasic))
        .isEqualTo(new TokenResponse.Refused(OAuthError.INVALID_CLIENT, "failed", false));
  }

  @Test
  void shouldKeepThePolicyVerdictsRuleAndAllowedScopes() {
    Decision.Denied verdict =
        new Decision.Denied(
            IssuanceDenyReason.TTL_ABOVE_POLICY,
            OAuthError.INVALID_REQUEST,
            "too long",
            "rule-7",
            List.of("a:read"));

    assertThat(Denial.of(verdict))
        .isEqualTo(
            new Denial(
                IssuanceDenyReason.TTL_ABOVE_POLICY,
                OAuthError.INVALID_REQUEST,
                "too long",
                "rule-7",
                List.of("a:read"),
                false));
  }

  @Test
  void shouldStillRefuseAndCountTheLostEventWhenTheLogIsDown() {
    events.failing = true;

    TokenResponse answer =
        denials.refuse(
            attempt(),
            Denial.of(IssuanceDenyReason.INVALID_REQUEST, OAuthError.INVALID_REQUEST, "bad"));

    assertThat(answer)
        .isEqualTo(new TokenResponse.Refused(OAuthError.INVALID_REQUEST, "bad", false));
    assertThat(events.denied).isEmpty();
    assertThat(
            registry
                .get("tokenwatch.issuer.produce.failures")
                .tags("event", "issuance_denied")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(registry.get("tokenwatch.issuer.denied").counter().count()).isEqualTo(1.0);
  }
}
