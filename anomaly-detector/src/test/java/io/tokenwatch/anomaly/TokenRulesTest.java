package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The per-token rules on their own, without a topology: examples of each rule, and for each rule
 * with a threshold a property against a plain model of "how many matching events fall within the
 * window up to now".
 */
class TokenRulesTest {

  private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");
  private int sequence;

  /** A use of token t1 (issued to client app for orders:read) at {@code at}. */
  private TokenUse use(
      Instant at,
      boolean allowed,
      @Nullable DenyReason reason,
      @Nullable String presentedBy,
      @Nullable String binding,
      @Nullable String address) {
    return new TokenUse(
        "u" + ++sequence,
        at,
        "t1",
        "alice",
        "app",
        presentedBy,
        binding,
        address,
        "gateway",
        List.of("admin:write"),
        List.of("orders:read"),
        allowed,
        reason,
        null,
        null,
        "g1");
  }

  private TokenUse allowed(Instant at) {
    return use(at, true, null, null, null, null);
  }

  private TokenUse denied(Instant at, DenyReason reason) {
    return use(at, false, reason, null, null, null);
  }

  private static TokenGrant grant(@Nullable Integer maxUses, @Nullable String binding) {
    return new TokenGrant(
        "issue-1",
        T0,
        "t1",
        "alice",
        "app",
        "g1",
        List.of("orders:read"),
        T0.plus(Duration.ofHours(1)),
        maxUses,
        binding);
  }

  private static List<Rule> rules(List<Finding> findings) {
    return findings.stream().map(Finding::rule).toList();
  }

  @Test
  void shouldRaiseScopeEscalationOnTheThirdInsufficientScopeDenialWithinTheWindow() {
    TokenRules rules =
        new TokenRules(new TestSettings().insufficientScope(3, Duration.ofMinutes(10)).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));

    assertThat(rules.used(watch, denied(T0.plusSeconds(1), DenyReason.INSUFFICIENT_SCOPE)))
        .isEmpty();
    assertThat(rules.used(watch, denied(T0.plusSeconds(2), DenyReason.INSUFFICIENT_SCOPE)))
        .isEmpty();
    TokenUse probe =
        new TokenUse(
            "u" + ++sequence,
            T0.plusSeconds(3),
            "t1",
            "alice",
            "app",
            null,
            null,
            null,
            "gateway",
            List.of("users:delete"),
            List.of("orders:read"),
            false,
            DenyReason.INSUFFICIENT_SCOPE,
            null,
            null,
            "g1");
    List<Finding> third = rules.used(watch, probe);

    assertThat(third)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.SCOPE_ESCALATION);
              assertThat(finding.incidentKey()).isEqualTo("token:t1");
              assertThat(finding.subject()).isEqualTo("alice");
              assertThat(finding.evidence().count()).isEqualTo(3);
              assertThat(finding.evidence().eventIds()).containsExactly("u1", "u2", "u3");
              assertThat(finding.evidence().observed())
                  .containsEntry("missing_scopes", "users:delete")
                  .containsEntry("distinct_missing_scope_sets", "2");
              assertThat(finding.response()).isEqualTo(Target.token("t1"));
            });
  }

  @Test
  void shouldRaiseUnfamiliarClientWhenAnotherClientPresentsTheToken() {
    TokenRules rules = new TokenRules(TestSettings.defaults());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));

    List<Finding> findings = rules.used(watch, use(T0, true, null, "intruder", null, null));

    assertThat(findings)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.UNFAMILIAR_CLIENT);
              assertThat(finding.incidentKey()).isEqualTo("token:t1|client:intruder");
              assertThat(finding.evidence().observed())
                  .containsEntry("issued_to_client", "app")
                  .containsEntry("presented_by_client", "intruder")
                  .containsEntry("decision", "ALLOWED");
            });
  }

  @Test
  void shouldRaiseUnfamiliarClientWhenTheProofIsOfAnotherKey() {
    TokenRules rules = new TokenRules(TestSettings.defaults());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, "key-a"));

    assertThat(rules.used(watch, use(T0, true, null, null, "key-a", null))).isEmpty();
    List<Finding> findings = rules.used(watch, use(T0, true, null, null, "key-b", null));

    assertThat(findings).extracting(Finding::incidentKey).containsExactly("token:t1|key:key-b");
  }

  @Test
  void shouldTakeAnAcceptedUseWithinTheGraceForPropagationAndLaterOnesForReplay() {
    TokenRules rules = new TokenRules(new TestSettings().replay(1, Duration.ofSeconds(5)).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    rules.revoked(watch, "rev-1", T0);

    assertThat(rules.used(watch, allowed(T0.plusMillis(5_000)))).isEmpty();
    List<Finding> late = rules.used(watch, allowed(T0.plusMillis(5_001)));

    assertThat(rules(late)).containsExactly(Rule.REPLAY_AFTER_REVOCATION);
    assertThat(late.get(0).evidence().observed())
        .containsEntry("revoked_at", T0.toString())
        .containsEntry("revocation_event_id", "rev-1");
  }

  @Test
  void shouldKeepTheEarliestRevocationOfAToken() {
    TokenRules rules = new TokenRules(TestSettings.defaults());
    TokenWatch watch = new TokenWatch();
    rules.revoked(watch, "later", T0.plusSeconds(60));
    rules.revoked(watch, "earlier", T0);
    rules.revoked(watch, "latest", T0.plusSeconds(120));

    List<Finding> findings = rules.used(watch, denied(T0.plusSeconds(130), DenyReason.REVOKED));

    assertThat(findings.get(0).evidence().observed())
        .containsEntry("revoked_at", T0.toString())
        .containsEntry("revocation_event_id", "earlier");
  }

  @Test
  void shouldNameTheIssuedSubjectAndClientRatherThanTheUsesOwn() {
    TokenRules rules = new TokenRules(TestSettings.defaults());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    TokenUse claimsOther =
        new TokenUse(
            "u-x",
            T0,
            "t1",
            "mallory",
            "other-app",
            "intruder",
            null,
            null,
            "gateway",
            List.of(),
            List.of(),
            true,
            null,
            null,
            null,
            null);

    Finding finding = rules.used(watch, claimsOther).get(0);

    assertThat(finding.subject()).isEqualTo("alice");
    assertThat(finding.clientId()).isEqualTo("app");
    assertThat(finding.grantId()).isEqualTo("g1");
  }

  @Test
  void shouldNotTakeAMisroutedCallForEscalationUntilItPersists() {
    TokenRules rules =
        new TokenRules(new TestSettings().insufficientScope(3, Duration.ofMinutes(10)).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    List<List<Rule>> fired = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      fired.add(
          rules(rules.used(watch, denied(T0.plusSeconds(30L * i), DenyReason.INSUFFICIENT_SCOPE))));
    }

    assertThat(fired.subList(0, 8)).allSatisfy(r -> assertThat(r).isEmpty());
    assertThat(fired.get(8)).containsExactly(Rule.SCOPE_ESCALATION);
  }

  /** One use: its distance from the previous in seconds, and whether the rule counts it. */
  record Step(int gapSeconds, boolean counted) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 400), Arbitraries.of(true, true, false))
        .as(Step::new)
        .list()
        .ofMaxSize(30);
  }

  /** The plain model: the matching events within {@code window} up to and including the last. */
  private static boolean reached(List<Instant> matching, Duration window, int threshold) {
    Instant now = matching.get(matching.size() - 1);
    long within =
        matching.stream().filter(t -> !t.isBefore(now.minus(window)) && !t.isAfter(now)).count();
    return within >= threshold;
  }

  /** An insufficient-scope denial some seconds after the previous, for one of three scopes. */
  record Probe(int gapSeconds, int scope) {}

  @Provide
  Arbitrary<List<Probe>> probes() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 400), Arbitraries.integers().between(0, 2))
        .as(Probe::new)
        .list()
        .ofMaxSize(30);
  }

  @Property(tries = 300)
  void scopeEscalationRaisesExactlyOnProbingForSeveralScopesOrPersistenceForOne(
      @ForAll("probes") List<Probe> probes,
      @ForAll @IntRange(min = 1, max = 5) int count,
      @ForAll @IntRange(min = 1, max = 15) int windowMinutes) {
    Duration window = Duration.ofMinutes(windowMinutes);
    TokenRules rules = new TokenRules(new TestSettings().insufficientScope(count, window).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    List<Instant> times = new ArrayList<>();
    Map<String, Instant> lastByScope = new HashMap<>();
    List<String> scopes = List.of("admin:write", "billing:read", "users:delete");
    Instant at = T0;
    for (Probe probe : probes) {
      at = at.plusSeconds(probe.gapSeconds());
      String scope = scopes.get(probe.scope());
      TokenUse use =
          new TokenUse(
              "u" + ++sequence,
              at,
              "t1",
              "alice",
              "app",
              null,
              null,
              null,
              "gateway",
              List.of(scope),
              List.of("orders:read"),
              false,
              DenyReason.INSUFFICIENT_SCOPE,
              null,
              null,
              "g1");
      List<Finding> findings = rules.used(watch, use);
      times.add(at);
      lastByScope.put(scope, at);
      Instant from = at.minus(window);
      long within = times.stream().filter(t -> !t.isBefore(from)).count();
      long distinct = lastByScope.values().stream().filter(t -> !t.isBefore(from)).count();
      boolean expected = within >= count && (distinct >= 2 || within >= 3L * count);
      assertThat(rules(findings))
          .as("%d denials, %d scopes within the window", within, distinct)
          .isEqualTo(expected ? List.of(Rule.SCOPE_ESCALATION) : List.of());
    }
  }

  @Property(tries = 300)
  void useAfterExpiryRaisesExactlyWhenTheExpiredPresentationsWithinTheWindowReachTheCount(
      @ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 5) int count,
      @ForAll @IntRange(min = 1, max = 15) int windowMinutes) {
    Duration window = Duration.ofMinutes(windowMinutes);
    checkCountWithinWindow(
        new TestSettings().expired(count, window).build(),
        DenyReason.EXPIRED,
        Rule.USE_AFTER_EXPIRY,
        steps,
        window,
        count);
  }

  private void checkCountWithinWindow(
      DetectionSettings settings,
      DenyReason counted,
      Rule rule,
      List<Step> steps,
      Duration window,
      int threshold) {
    TokenRules rules = new TokenRules(settings);
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    List<Instant> matching = new ArrayList<>();
    Instant at = T0;
    for (Step step : steps) {
      at = at.plusSeconds(step.gapSeconds());
      TokenUse use =
          step.counted()
              ? denied(at, counted)
              : step.gapSeconds() % 2 == 0 ? allowed(at) : denied(at, DenyReason.OTHER);
      List<Finding> findings = rules.used(watch, use);
      if (step.counted()) {
        matching.add(at);
      }
      boolean expected = step.counted() && reached(matching, window, threshold);
      assertThat(rules(findings)).isEqualTo(expected ? List.of(rule) : List.of());
    }
  }

  /** A use after the revocation: seconds since the previous, and whether it was denied. */
  record Presentation(int gapSeconds, boolean deniedRevoked) {}

  @Provide
  Arbitrary<List<Presentation>> presentations() {
    return Combinators.combine(Arbitraries.integers().between(0, 120), Arbitraries.of(true, false))
        .as(Presentation::new)
        .list()
        .ofMaxSize(25);
  }

  @Property(tries = 300)
  void replayRaisesExactlyWhenUsesAfterTheRevocationWithinTheSuppressionWindowReachTheCount(
      @ForAll("presentations") List<Presentation> presentations,
      @ForAll @IntRange(min = 1, max = 4) int count,
      @ForAll @IntRange(min = 0, max = 30) int graceSeconds,
      @ForAll @IntRange(min = 1, max = 10) int suppressionMinutes) {
    Duration grace = Duration.ofSeconds(graceSeconds);
    Duration suppression = Duration.ofMinutes(suppressionMinutes);
    TokenRules rules =
        new TokenRules(new TestSettings().replay(count, grace).suppression(suppression).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    rules.revoked(watch, "rev", T0);
    List<Instant> matching = new ArrayList<>();
    Instant at = T0;
    for (Presentation p : presentations) {
      at = at.plusSeconds(p.gapSeconds());
      List<Finding> findings =
          rules.used(watch, p.deniedRevoked() ? denied(at, DenyReason.REVOKED) : allowed(at));
      boolean counted = p.deniedRevoked() || at.isAfter(T0.plus(grace));
      if (counted) {
        matching.add(at);
      }
      boolean expected = counted && reached(matching, suppression, count);
      assertThat(rules(findings))
          .isEqualTo(expected ? List.of(Rule.REPLAY_AFTER_REVOCATION) : List.of());
    }
  }

  /** A use from one of a few addresses in a few networks, some seconds after the previous. */
  record Sighted(int gapSeconds, int network, int host) {
    String address() {
      return "10.0." + network + "." + host;
    }
  }

  @Provide
  Arbitrary<List<Sighted>> sightings() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 300),
            Arbitraries.integers().between(0, 4),
            Arbitraries.integers().between(0, 3))
        .as(Sighted::new)
        .list()
        .ofMaxSize(30);
  }

  @Property(tries = 300)
  void tokenSpreadRaisesExactlyWhenTheDistinctNetworksWithinTheWindowReachTheThreshold(
      @ForAll("sightings") List<Sighted> uses,
      @ForAll @IntRange(min = 2, max = 4) int distinct,
      @ForAll @IntRange(min = 1, max = 15) int windowMinutes) {
    Duration window = Duration.ofMinutes(windowMinutes);
    TokenRules rules = new TokenRules(new TestSettings().spread(distinct, window).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    Map<String, Instant> lastSeen = new HashMap<>();
    Instant at = T0;
    for (Sighted s : uses) {
      at = at.plusSeconds(s.gapSeconds());
      List<Finding> findings = rules.used(watch, use(at, true, null, null, null, s.address()));
      lastSeen.put(s.address(), at);
      Instant from = at.minus(window);
      long networks =
          lastSeen.entrySet().stream()
              .filter(e -> !e.getValue().isBefore(from))
              .map(e -> e.getKey().substring(0, e.getKey().lastIndexOf('.')))
              .distinct()
              .count();
      assertThat(rules(findings))
          .as("replicas in one network count once")
          .isEqualTo(networks >= distinct ? List.of(Rule.TOKEN_SPREAD) : List.of());
    }
  }

  @Property(tries = 100)
  void aTokenPresentedWithTheKeyItIsBoundToNeverSpreads(@ForAll("sightings") List<Sighted> uses) {
    TokenRules rules = new TokenRules(TestSettings.defaults());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, "jkt-own"));
    Instant at = T0;
    for (Sighted s : uses) {
      at = at.plusSeconds(s.gapSeconds() / 10);
      assertThat(rules(rules.used(watch, use(at, true, null, null, "jkt-own", s.address()))))
          .doesNotContain(Rule.TOKEN_SPREAD);
    }
  }

  /** Shapes kept in a plain map, as the processor keeps them in its store. */
  private static ClientShapes shapes(Map<String, ClientShape> map) {
    return new ClientShapes() {
      @Override
      public @Nullable ClientShape get(String clientId, long at) {
        return map.get(clientId);
      }

      @Override
      public void put(String clientId, ClientShape shape) {
        map.put(clientId, shape);
      }
    };
  }

  /** Uses of a fresh token of the client from {@code networks} networks, a few seconds apart. */
  private List<List<Rule>> tokenAcross(
      TokenRules rules, ClientShapes shapes, Instant at, int networks) {
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    List<List<Rule>> fired = new java.util.ArrayList<>();
    for (int n = 0; n < networks; n++) {
      fired.add(
          rules(
              rules.used(
                  watch,
                  use(at.plusSeconds(5L * n), true, null, null, null, "10.0." + n + ".1"),
                  shapes)));
    }
    return fired;
  }

  @Test
  void aClientWhoseTokensUsuallySpanMoreNetworksRaisesOnlyAboveItsUsualNumberUpToTheCap() {
    DetectionSettings settings =
        new TestSettings()
            .spread(3, Duration.ofMinutes(10))
            .learning(Duration.ofDays(1), Duration.ofDays(1))
            .spreadMaxLearned(5)
            .build();
    TokenRules rules = new TokenRules(settings);
    Map<String, ClientShape> learned = new HashMap<>();
    ClientShapes shapes = shapes(learned);

    // While the client is learned, the configured threshold applies, and what is seen is learned.
    assertThat(tokenAcross(rules, shapes, T0, 4).get(2)).containsExactly(Rule.TOKEN_SPREAD);
    Instant later = T0.plus(Duration.ofDays(2));
    assertThat(learned.get("app").usualNetworks(later.toEpochMilli(), settings)).isEqualTo(4);
    List<List<Rule>> usual = tokenAcross(rules, shapes, later, 5);
    assertThat(usual.subList(0, 4))
        .as("up to its usual four networks")
        .allSatisfy(r -> assertThat(r).isEmpty());
    assertThat(usual.get(4)).as("a fifth").containsExactly(Rule.TOKEN_SPREAD);

    // A client learned at seven networks per token still alerts at the cap of five.
    ClientShape wide = new ClientShape();
    wide.observe(T0.toEpochMilli(), 7, settings);
    learned.put("app", wide);
    List<List<Rule>> capped = tokenAcross(rules, shapes, later, 5);
    assertThat(capped.get(4)).containsExactly(Rule.TOKEN_SPREAD);
  }

  @Test
  void aSpreadFindingExplainsTheNetworksAndTheLearnedBaseline() {
    TokenRules rules = new TokenRules(new TestSettings().spread(3, Duration.ofMinutes(10)).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(null, null));
    rules.used(watch, use(T0, true, null, null, null, "10.0.0.1"));
    rules.used(watch, use(T0.plusSeconds(1), true, null, null, null, "10.0.0.2"));
    rules.used(watch, use(T0.plusSeconds(2), true, null, null, null, "198.51.100.9"));
    List<Finding> findings =
        rules.used(watch, use(T0.plusSeconds(3), true, null, null, null, "203.0.113.4"));

    assertThat(findings)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.evidence().observed())
                  .containsEntry("distinct_networks", "3")
                  .containsEntry("networks", "10.0.0.0/24,198.51.100.0/24,203.0.113.0/24")
                  .containsEntry("distinct_sources", "4")
                  .containsEntry("client_usual_networks_per_token", "(learning)");
              assertThat(f.covers())
                  .contains(
                      "token:t1",
                      "network:10.0.0.0/24",
                      "network:198.51.100.0/24",
                      "network:203.0.113.0/24");
            });
  }

  @Property(tries = 200)
  void maxUseOvershootRaisesExactlyWhenAcceptedUsesExceedMaxUsesByTheMinimum(
      @ForAll @IntRange(min = 0, max = 5) int maxUses,
      @ForAll @IntRange(min = 1, max = 3) int overshootMin,
      @ForAll("steps") List<Step> steps) {
    TokenRules rules = new TokenRules(new TestSettings().overshootMin(overshootMin).build());
    TokenWatch watch = new TokenWatch();
    rules.issued(watch, grant(maxUses, null));
    int accepted = 0;
    Instant at = T0;
    for (Step step : steps) {
      at = at.plusSeconds(step.gapSeconds());
      List<Finding> findings =
          rules.used(watch, step.counted() ? allowed(at) : denied(at, DenyReason.OTHER));
      if (step.counted()) {
        accepted++;
      }
      boolean expected = step.counted() && accepted - maxUses >= overshootMin;
      assertThat(rules(findings)).isEqualTo(expected ? List.of(Rule.MAX_USE_OVERSHOOT) : List.of());
    }
    assertThat(watch.allowedUses()).isEqualTo(accepted);
  }
}
