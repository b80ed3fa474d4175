package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * One alert per incident: checked against a plain model of incidents (a map from incident key to
 * its start, latest finding and covered items) over random finding sequences.
 */
class AlerterTest {

  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final Duration SUPPRESSION = Duration.ofHours(1);

  /** A finding of incident {@code key} some minutes after the previous, covering some items. */
  record Step(int key, int gapMinutes, List<Integer> items) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 90),
            Arbitraries.integers().between(0, 6).list().ofMaxSize(3))
        .as(Step::new)
        .list()
        .ofMaxSize(60);
  }

  static final class MapLedger implements Alerter.Ledger {
    final Map<String, Incident> entries = new HashMap<>();

    @Override
    public @Nullable Incident incident(String key) {
      return entries.get(key);
    }

    @Override
    public void record(String key, Incident incident) {
      entries.put(key, incident);
    }
  }

  /** The model's incident: when it began, its latest finding, what it covers, its revision. */
  static final class Open {
    Instant start;
    Instant last;
    final TreeSet<String> covers = new TreeSet<>();
    int revision;

    Open(Instant start) {
      this.start = start;
      this.last = start;
    }
  }

  static Finding finding(String key, Instant at, List<String> covers) {
    return new Finding(
        Rule.TOKEN_SPREAD,
        key,
        "alice",
        "app",
        null,
        null,
        "spread",
        new Evidence(List.of("e-" + at.toEpochMilli()), 1, at, at, Map.of(), Map.of()),
        Target.client("app"),
        covers);
  }

  @Property(tries = 300)
  void anIncidentAlertsOnceAndUpdatesOnlyWhenItCoversSomethingNew(
      @ForAll("steps") List<Step> steps) {
    Alerter alerter =
        new Alerter(new TestSettings().suppression(SUPPRESSION).build(), AutoResponsePolicy.OFF);
    MapLedger ledger = new MapLedger();
    Map<String, Open> model = new HashMap<>();
    Instant at = T0;
    for (Step step : steps) {
      at = at.plus(Duration.ofMinutes(step.gapMinutes()));
      String key = "token:t" + step.key();
      List<String> covers = new ArrayList<>();
      step.items().forEach(i -> covers.add("source:10.0.0." + i));

      Optional<Alert> alert = alerter.raise(finding(key, at, covers), ledger);

      Open open = model.get(key);
      boolean fresh = open == null || Duration.between(open.last, at).compareTo(SUPPRESSION) >= 0;
      boolean grew;
      if (fresh) {
        open = new Open(at);
        model.put(key, open);
        open.covers.addAll(covers);
        grew = true;
      } else {
        open.last = at;
        grew = open.covers.addAll(covers);
        if (grew) {
          open.revision++;
        }
      }
      if (!grew) {
        assertThat(alert).as("nothing new for incident " + key).isEmpty();
        continue;
      }
      Open expected = open;
      assertThat(alert)
          .hasValueSatisfying(
              a -> {
                assertThat(a.alertId())
                    .isEqualTo(Alert.idOf(Rule.TOKEN_SPREAD, key, expected.start));
                assertThat(a.revision()).isEqualTo(expected.revision);
                assertThat(a.covers()).containsExactlyElementsOf(expected.covers);
                assertThat(a.raisedAt()).isEqualTo(expected.last);
              });
    }
  }

  @Test
  void anUpdateRevokesOnlyTheTokenItNewlyCovers() {
    Alerter alerter =
        new Alerter(
            TestSettings.defaults(),
            new AutoResponsePolicy(java.util.EnumSet.of(Rule.UNFAMILIAR_CLIENT), Severity.LOW));
    MapLedger ledger = new MapLedger();
    Finding first = network(T0, "alice", "t1");
    Finding sameToken = network(T0.plusSeconds(60), "alice", "t1");
    Finding second = network(T0.plusSeconds(90), "bob", "t2");

    Alert raised = alerter.raise(first, ledger).orElseThrow();
    assertThat(alerter.raise(sameToken, ledger)).isEmpty();
    Alert update = alerter.raise(second, ledger).orElseThrow();

    assertThat(raised.autoResponse()).isEqualTo(Target.token("t1"));
    assertThat(update.alertId()).isEqualTo(raised.alertId());
    assertThat(update.revision()).isEqualTo(1);
    assertThat(update.autoResponse()).isEqualTo(Target.token("t2"));
    assertThat(update.covers())
        .containsExactly("subject:alice", "subject:bob", "token:t1", "token:t2");
  }

  @Test
  void aLedgerEntryOfAnEarlierReleaseSuppressesAsBefore() {
    Alerter alerter = new Alerter(TestSettings.defaults(), AutoResponsePolicy.OFF);
    MapLedger ledger = new MapLedger();
    Finding finding = network(T0, "alice", "t1");
    ledger.record(
        Alerter.incident(finding), Incident.ofLastFinding(T0.minusSeconds(60).toEpochMilli()));

    assertThat(alerter.raise(network(T0, "bob", "t2"), ledger)).isEmpty();
    assertThat(alerter.raise(network(T0.plus(Duration.ofMinutes(59)), "carol", "t3"), ledger))
        .isEmpty();
    assertThat(alerter.raise(network(T0.plus(Duration.ofHours(3)), "dave", "t4"), ledger))
        .as("after a quiet gap, a new incident")
        .hasValueSatisfying(a -> assertThat(a.revision()).isZero());
  }

  private static Finding network(Instant at, String subject, String token) {
    return new Finding(
        Rule.UNFAMILIAR_CLIENT,
        "client:app|network:203.0.113.0/24",
        subject,
        "app",
        token,
        null,
        "new network",
        new Evidence(List.of("e-" + subject + at), 1, at, at, Map.of(), Map.of()),
        Target.token(token));
  }
}
