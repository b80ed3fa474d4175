package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    ClientNetworks client = new ClientNetworks();

    assertThat(rules.sourceSeen(watch, client, "app", "alice", useFrom(T0, "10.0.0.1"))).isEmpty();
    assertThat(
            rules.sourceSeen(
                watch, client, "app", "alice", useFrom(T0.plusSeconds(60), "10.1.0.1")))
        .as("still learning")
        .isEmpty();
    assertThat(
            rules.sourceSeen(
                watch, client, "app", "alice", useFrom(T0.plus(Duration.ofHours(2)), "10.0.0.200")))
        .as("same /24 as a learned one")
        .isEmpty();
    List<Finding> unfamiliar =
        rules.sourceSeen(
            watch, client, "app", "alice", useFrom(T0.plus(Duration.ofHours(2)), "192.0.2.7"));

    assertThat(unfamiliar)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.UNFAMILIAR_CLIENT);
              assertThat(finding.incidentKey()).isEqualTo("client:app|network:192.0.2.0/24");
              assertThat(finding.covers())
                  .containsExactly("subject:alice", "token:t4", "source:192.0.2.7");
              assertThat(finding.evidence().observed())
                  .containsEntry("source_address", "192.0.2.7")
                  .containsEntry("known_networks", "10.0.0.0/24,10.1.0.0/24");
            });
  }

  /** Alice and bob learned on 10.0.0.0/24; then the service moves to 10.9.9.0/24. */
  private List<Finding> moveAfterLearning(
      ClientRules rules, NetworkWatch alice, NetworkWatch bob, ClientNetworks client) {
    rules.sourceSeen(alice, client, "svc", "alice", useFrom(T0, "10.0.0.1"));
    rules.sourceSeen(bob, client, "svc", "bob", useFrom(T0, "10.0.0.2"));
    return new java.util.ArrayList<>(
        rules.sourceSeen(
            alice, client, "svc", "alice", useFrom(T0.plus(Duration.ofHours(2)), "10.9.9.1")));
  }

  @Test
  void shouldTakeANewNetworkForTheClientsOwnWhenItServesSeveralSourcesWithinTheConfirmWindow() {
    ClientRules rules =
        new ClientRules(
            new TestSettings()
                .learning(Duration.ofHours(1), Duration.ofHours(1))
                .networkConfirm(Duration.ofMinutes(5), 3)
                .build());
    NetworkWatch alice = new NetworkWatch();
    NetworkWatch bob = new NetworkWatch();
    ClientNetworks client = new ClientNetworks();
    List<Finding> found = moveAfterLearning(rules, alice, bob, client);
    Instant moved = T0.plus(Duration.ofHours(2));

    found.addAll(
        rules.sourceSeen(bob, client, "svc", "bob", useFrom(moved.plusSeconds(20), "10.9.9.2")));
    found.addAll(
        rules.sourceSeen(
            alice, client, "svc", "alice", useFrom(moved.plusSeconds(40), "10.9.9.3")));
    found.addAll(rules.settle(client, "svc", moved.plus(Duration.ofMinutes(10)).toEpochMilli()));

    assertThat(found).as("a deploy: three replicas in the new network").isEmpty();
    assertThat(client.own).containsKey("10.9.9.0/24");
  }

  @Test
  void shouldRaiseOneIncidentForANewNetworkThatServesOneSourceOnceTheConfirmWindowEnds() {
    ClientRules rules =
        new ClientRules(
            new TestSettings()
                .learning(Duration.ofHours(1), Duration.ofHours(1))
                .networkConfirm(Duration.ofMinutes(5), 3)
                .build());
    NetworkWatch alice = new NetworkWatch();
    NetworkWatch bob = new NetworkWatch();
    ClientNetworks client = new ClientNetworks();
    List<Finding> held = moveAfterLearning(rules, alice, bob, client);
    Instant stolen = T0.plus(Duration.ofHours(2));
    held.addAll(
        rules.sourceSeen(bob, client, "svc", "bob", useFrom(stolen.plusSeconds(30), "10.9.9.1")));

    assertThat(held).as("watched, not yet decided").isEmpty();
    assertThat(rules.settle(client, "svc", stolen.plus(Duration.ofMinutes(4)).toEpochMilli()))
        .isEmpty();
    List<Finding> decided =
        rules.settle(client, "svc", stolen.plus(Duration.ofMinutes(5)).toEpochMilli());
    assertThat(decided)
        .hasSize(2)
        .allSatisfy(f -> assertThat(f.incidentKey()).isEqualTo("client:svc|network:10.9.9.0/24"))
        .extracting(Finding::subject)
        .containsExactly("alice", "bob");
    assertThat(decided.get(0).evidence().lastSeen()).isEqualTo(stolen);
    assertThat(client.candidates).isEmpty();
  }

  @Test
  void shouldTakeANetworkThatServedSeveralSubjectsOverDaysForTheClientsOwn() {
    ClientRules rules =
        new ClientRules(
            new TestSettings()
                .learning(Duration.ofHours(1), Duration.ofHours(1))
                .networkConfirm(Duration.ZERO, 3)
                .build());
    ClientNetworks client = new ClientNetworks();
    Map<String, NetworkWatch> people = new HashMap<>();
    List<Finding> found = new java.util.ArrayList<>();
    String[] subjects = {"ann", "ben", "cat", "dan"};
    for (int i = 0; i < subjects.length; i++) {
      NetworkWatch watch = people.computeIfAbsent(subjects[i], k -> new NetworkWatch());
      rules.sourceSeen(watch, client, "mail-app", subjects[i], useFrom(T0, "10.0." + i + ".1"));
    }
    // A carrier's CGNAT range, one person a day after learning.
    for (int i = 0; i < subjects.length; i++) {
      Instant day = T0.plus(Duration.ofDays(1 + i));
      found.addAll(
          rules.sourceSeen(
              people.get(subjects[i]),
              client,
              "mail-app",
              subjects[i],
              useFrom(day, "100.64.9." + i)));
    }

    assertThat(found)
        .as("the first two alert; from the third it is a network of the client's people")
        .extracting(Finding::subject)
        .containsExactly("ann", "ben");
    assertThat(client.own).containsKey("100.64.9.0/24");
  }

  @Test
  void shouldAlertForAClientWhosePeopleRoamOnlyWhenTheTokenIsInUseElsewhereAtTheSameTime() {
    ClientRules rules =
        new ClientRules(
            new TestSettings()
                .learning(Duration.ofHours(1), Duration.ofHours(1))
                .networkConfirm(Duration.ZERO, 3)
                .build());
    ClientNetworks client = new ClientNetworks();
    Map<String, NetworkWatch> people = new HashMap<>();
    String[] subjects = {"ann", "ben", "cat", "dan", "eve"};
    for (int i = 0; i < subjects.length; i++) {
      NetworkWatch watch = people.computeIfAbsent(subjects[i], k -> new NetworkWatch());
      rules.sourceSeen(watch, client, "docs-web", subjects[i], useFrom(T0, "10.0.0." + i));
    }
    List<String> alerted = new ArrayList<>();
    // Each goes home once, a home network of their own.
    for (int i = 0; i < 4; i++) {
      Instant evening = T0.plus(Duration.ofHours(10 + i));
      rules
          .sourceSeen(
              people.get(subjects[i]),
              client,
              "docs-web",
              subjects[i],
              useFrom(evening, "73.10." + i + ".9"),
              false)
          .forEach(f -> alerted.add(f.subject()));
    }
    List<Finding> stolen =
        rules.sourceSeen(
            people.get("eve"),
            client,
            "docs-web",
            "eve",
            useFrom(T0.plus(Duration.ofHours(20)), "185.220.101.7"),
            true);

    assertThat(alerted)
        .as("until three of its people roamed, then the client is known to roam")
        .containsExactly("ann", "ben", "cat");
    assertThat(stolen)
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.evidence().observed())
                    .as("counted up to what makes the client roam")
                    .containsEntry("client_subjects_roaming", "3")
                    .containsEntry("token_used_elsewhere_meanwhile", "true"));
  }

  /** {@code count} uses of the bucket starting at {@code at} (one-minute buckets). */
  private static UseTally bucketOf(Instant at, long count) {
    long bucket = at.toEpochMilli() / 60_000;
    return UseTally.of(
        bucket,
        at.toEpochMilli(),
        at.toEpochMilli() + 30_000,
        (int) count,
        "e" + at,
        List.of("e" + at));
  }

  /** Half an hour of ten uses a minute before {@code at}, then {@code burst} in its minute. */
  private static List<Finding> burstAt(
      ClientRules rules, ClientWatch watch, Instant at, long burst) {
    for (int m = 30; m >= 1; m--) {
      rules.used(watch, "batch", bucketOf(at.minus(Duration.ofMinutes(m)), 10));
    }
    return rules.used(watch, "batch", bucketOf(at, burst));
  }

  @Test
  void shouldTakeAClientsNightlyBatchForItsRhythmButNotABurstAtAnotherTimeOfDay() {
    ClientRules rules = new ClientRules(TestSettings.defaults());
    ClientWatch watch = new ClientWatch();
    Instant firstNight = Instant.parse("2030-01-07T02:00:00Z");

    List<Finding> first = burstAt(rules, watch, firstNight, 150);
    List<Finding> secondNight = burstAt(rules, watch, firstNight.plus(Duration.ofDays(1)), 140);
    List<Finding> afternoon =
        burstAt(rules, watch, firstNight.plus(Duration.ofDays(1)).plus(Duration.ofHours(12)), 150);
    List<Finding> biggerNight = burstAt(rules, watch, firstNight.plus(Duration.ofDays(2)), 400);

    assertThat(first).as("the first night: nothing to compare with").hasSize(1);
    assertThat(secondNight).as("the same hour a day later: its rhythm").isEmpty();
    assertThat(afternoon)
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.evidence().observed())
                    .containsEntry("peak_this_time_of_day_per_bucket", "0"));
    assertThat(biggerNight).as("far above the nights before").hasSize(1);
  }

  @Test
  void shouldCountRefusalsBeyondPolicyPerSubjectNotAcrossAPeoplesApp() {
    ClientRules rules = new ClientRules(TestSettings.defaults());
    ClientWatch watch = new ClientWatch();
    List<Finding> people = new ArrayList<>();
    for (String person : List.of("ann", "ben", "cat")) {
      people.addAll(
          rules.refused(
              watch,
              new IssuanceRefusal(
                  "r" + ++sequence,
                  T0.plusSeconds(sequence),
                  "mail-app",
                  person,
                  "SCOPE_NOT_APPROVED",
                  "AUTHORIZATION_CODE",
                  List.of("mail:admin"),
                  List.of(),
                  null,
                  null)));
    }
    List<Finding> one = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      one.addAll(
          rules.refused(
              watch, refusal(T0.plusSeconds(60 + i), "SCOPE_NOT_APPROVED", "CLIENT_CREDENTIALS")));
    }

    assertThat(people).as("three people asking once each").isEmpty();
    assertThat(one).extracting(Finding::subject).containsExactly("alice");
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
      // The baseline as a mean first, as the rule computes it: (factor * past) / history can round
      // to the other side of a count exactly at the limit.
      double limit = Math.max(minCount, factor * ((double) past / history));
      boolean expected = bucket - first >= history && model.get(bucket) >= limit;
      assertThat(findings.stream().map(Finding::rule).toList())
          .isEqualTo(expected ? List.of(Rule.USAGE_SPIKE) : List.of());
    }
  }
}
