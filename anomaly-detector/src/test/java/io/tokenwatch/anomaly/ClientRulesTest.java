package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The per-client rules on their own: scope escalation from refusals and from a broader grant, the
 * source network, and the usage rate, each against what a plain model of its threshold says.
 */
class ClientRulesTest {

  private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");
  private int sequence;

  private IssuanceRefusal refusal(Instant at, String reason, String grantType) {
    return new IssuanceRefusal(
        "r" + ++sequence,
        at,
        "app",
        "alice",
        reason,
        grantType,
        List.of("orders:read", "admin:write"),
        List.of("orders:read"),
        grantType.equals("CLIENT_CREDENTIALS") ? null : "parent-token",
        grantType.equals("REFRESH_TOKEN") ? "g1" : null);
  }

  private TokenGrant grant(Instant at, String... scopes) {
    int n = ++sequence;
    return new TokenGrant(
        "i" + n,
        at,
        "t" + n,
        "alice",
        "app",
        "g1",
        List.of(scopes),
        at.plusSeconds(600),
        null,
        null);
  }

  private TokenUse useFrom(Instant at, String address) {
    int n = ++sequence;
    return new TokenUse(
        "u" + n, at, "t" + n, "alice", "app", null, null, address, "gateway", List.of(), List.of(),
        true, null, null, null, "g1");
  }

  @Test
  void shouldRaiseAtOnceWhenARefreshAsksForMoreThanItsParent() {
    ClientRules rules = new ClientRules(TestSettings.defaults());

    List<Finding> findings =
        rules.refused(new ClientWatch(), refusal(T0, "SCOPE_NOT_APPROVED", "REFRESH_TOKEN"));

    assertThat(findings)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.SCOPE_ESCALATION);
              assertThat(finding.incidentKey()).isEqualTo("client:app|derived:parent-token");
              assertThat(finding.evidence().observed())
                  .containsEntry("excess_scopes", "admin:write");
              assertThat(finding.response()).isEqualTo(Target.grant("g1"));
            });
  }

  @Test
  void shouldIgnoreRefusalsForOtherReasons() {
    ClientRules rules =
        new ClientRules(new TestSettings().refusals(1, Duration.ofMinutes(1)).build());

    assertThat(rules.refused(new ClientWatch(), refusal(T0, "CLIENT_UNKNOWN", "REFRESH_TOKEN")))
        .isEmpty();
  }

  @Test
  void shouldRaiseOnAScopeBeyondTheBaselineOnlyAfterLearning() {
    ClientRules rules =
        new ClientRules(
            new TestSettings().learning(Duration.ofHours(1), Duration.ofHours(1)).build());
    ClientWatch watch = new ClientWatch();

    assertThat(rules.issued(watch, grant(T0, "orders:read"))).isEmpty();
    assertThat(rules.issued(watch, grant(T0.plusSeconds(60), "orders:read", "orders:write")))
        .as("still learning: the new scope joins the baseline")
        .isEmpty();
    assertThat(rules.issued(watch, grant(T0.plus(Duration.ofHours(2)), "orders:write"))).isEmpty();
    List<Finding> broader =
        rules.issued(watch, grant(T0.plus(Duration.ofHours(3)), "orders:read", "admin:write"));

    assertThat(broader)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.SCOPE_ESCALATION);
              assertThat(finding.incidentKey()).isEqualTo("client:app|baseline");
              assertThat(finding.evidence().observed())
                  .containsEntry("new_scopes", "admin:write")
                  .containsEntry("baseline_scopes", "orders:read orders:write");
            });
  }

  @Test
  void shouldRaiseOnASourceNetworkNeverSeenForTheClientAndSubjectOnlyAfterLearning() {
    ClientRules rules =
        new ClientRules(
            new TestSettings().learning(Duration.ofHours(1), Duration.ofHours(1)).build());
    NetworkWatch watch = new NetworkWatch();

    assertThat(rules.sourceSeen(watch, "app", "alice", useFrom(T0, "10.0.0.1"))).isEmpty();
    assertThat(rules.sourceSeen(watch, "app", "alice", useFrom(T0.plusSeconds(60), "10.1.0.1")))
        .as("still learning")
        .isEmpty();
    assertThat(
            rules.sourceSeen(
                watch, "app", "alice", useFrom(T0.plus(Duration.ofHours(2)), "10.0.0.200")))
        .as("same /24 as a learned one")
        .isEmpty();
    List<Finding> unfamiliar =
        rules.sourceSeen(watch, "app", "alice", useFrom(T0.plus(Duration.ofHours(2)), "192.0.2.7"));

    assertThat(unfamiliar)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.UNFAMILIAR_CLIENT);
              assertThat(finding.incidentKey())
                  .isEqualTo("client:app|subject:alice|network:192.0.2.0/24");
              assertThat(finding.evidence().observed())
                  .containsEntry("source_address", "192.0.2.7")
                  .containsEntry("known_networks", "10.0.0.0/24,10.1.0.0/24");
            });
  }

  /** A refusal some seconds after the previous; counted when it is for scopes beyond policy. */
  record Refusal(int gapSeconds, boolean forScopes) {}

  @Provide
  Arbitrary<List<Refusal>> refusals() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 400), Arbitraries.of(true, true, false))
        .as(Refusal::new)
        .list()
        .ofMaxSize(30);
  }

  @Property(tries = 300)
  void refusalsRaiseExactlyWhenTheScopeRefusalsWithinTheWindowReachTheCount(
      @ForAll("refusals") List<Refusal> refusals,
      @ForAll @IntRange(min = 1, max = 5) int count,
      @ForAll @IntRange(min = 1, max = 15) int windowMinutes) {
    Duration window = Duration.ofMinutes(windowMinutes);
    ClientRules rules = new ClientRules(new TestSettings().refusals(count, window).build());
    ClientWatch watch = new ClientWatch();
    List<Instant> counted = new ArrayList<>();
    Instant at = T0;
    for (Refusal r : refusals) {
      at = at.plusSeconds(r.gapSeconds());
      String reason = r.forScopes() ? "SCOPE_NOT_APPROVED" : "CLIENT_UNKNOWN";
      List<Finding> findings = rules.refused(watch, refusal(at, reason, "CLIENT_CREDENTIALS"));
      boolean expected = false;
      if (r.forScopes()) {
        counted.add(at);
        Instant from = at.minus(window);
        expected = counted.stream().filter(t -> !t.isBefore(from)).count() >= count;
      }
      assertThat(findings.stream().map(Finding::incidentKey).toList())
          .isEqualTo(expected ? List.of("client:app|refusals") : List.of());
    }
  }

  /** A tally of uses: buckets after the previous tally's, and how many uses. */
  record Tally(int bucketsLater, int uses) {}

  @Provide
  Arbitrary<List<Tally>> tallies() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 60))
        .as(Tally::new)
        .list()
        .ofMaxSize(40);
  }

  /**
   * Tallies in bucket order, as the per-client rules release them: a bucket raises when its uses so
   * far reach {@code factor} times the mean of the {@code history} buckets before it, and at least
   * {@code minCount}, once the client has {@code history} buckets behind it.
   */
  @Property(tries = 300)
  void usageSpikeRaisesExactlyWhenABucketReachesTheFactorOfItsBaselineAndTheMinimum(
      @ForAll("tallies") List<Tally> tallies,
      @ForAll @DoubleRange(min = 1.5, max = 5) double factor,
      @ForAll @IntRange(min = 1, max = 40) int minCount,
      @ForAll @IntRange(min = 1, max = 4) int history) {
    Duration bucketLength = Duration.ofMinutes(1);
    ClientRules rules =
        new ClientRules(new TestSettings().spike(bucketLength, factor, minCount, history).build());
    ClientWatch watch = new ClientWatch();
    TreeMap<Long, Long> model = new TreeMap<>();
    long bucket = T0.toEpochMilli() / bucketLength.toMillis();
    @Nullable Long first = null;
    for (Tally t : tallies) {
      bucket += t.bucketsLater();
      long at = bucket * bucketLength.toMillis();
      List<Finding> findings =
          rules.used(
              watch, "app", UseTally.of(bucket, at, at, t.uses(), "u" + ++sequence, List.of()));

      model.merge(bucket, (long) t.uses(), Long::sum);
      first = first == null ? bucket : first;
      long past = 0;
      for (long b = bucket - history; b < bucket; b++) {
        past += model.getOrDefault(b, 0L);
      }
      double limit = Math.max(minCount, factor * past / history);
      boolean expected = bucket - first >= history && model.get(bucket) >= limit;
      assertThat(findings.stream().map(Finding::rule).toList())
          .isEqualTo(expected ? List.of(Rule.USAGE_SPIKE) : List.of());
    }
  }
}
