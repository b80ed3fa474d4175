package io.tokenwatch.anomaly.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The realistic workload is a function of its seed, and its labels name what its events hold. */
class RealisticWeekGeneratorTest {

  static final Instant MONDAY = Instant.parse("2030-01-07T00:00:00Z");
  static final RealisticWeek.Scale SMALL = new RealisticWeek.Scale(2, 12, 30, 0.35);

  @Property(tries = 3)
  void shouldGenerateTheSameEventsAndLabelsForTheSameSeed(
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
    Labelled first = RealisticWeek.generate(seed, SMALL, MONDAY);
    Labelled second = RealisticWeek.generate(seed, SMALL, MONDAY);
    assertThat(second.events()).isEqualTo(first.events());
    assertThat(second.attacks()).isEqualTo(first.attacks());
    assertThat(second.description()).isEqualTo(first.description());
    Labelled other = RealisticWeek.generate(seed + 1, SMALL, MONDAY);
    assertThat(other.events()).as("another seed").isNotEqualTo(first.events());
  }

  @Property(tries = 3)
  void shouldLabelAttacksOnIdentitiesSeenBeforeThemAfterTheLearningPeriods(
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
    Labelled workload = RealisticWeek.generate(seed, SMALL, MONDAY);
    FirstSeen seen = new FirstSeen();
    workload.events().forEach(seen::add);
    long attackEvents = workload.attacks().stream().mapToLong(LabelledAttack::events).sum();
    assertThat(workload.description().events()).isEqualTo(workload.events().size());
    assertThat(workload.description().events() - workload.description().legitimateEvents())
        .as("events the attacks added")
        .isEqualTo(attackEvents);
    assertThat(workload.attacks())
        .extracting(LabelledAttack::id)
        .as("one attack of each kind in two days")
        .hasSize(RealisticWeek.Kind.values().length)
        .doesNotHaveDuplicates();
    for (LabelledAttack attack : workload.attacks()) {
      // The victims are real: their subject, client and grant were in the traffic before the
      // attack, and the token attacked was issued before it (or, a token the attacker obtained,
      // at its start).
      if (attack.tokenId() != null) {
        assertThat(seen.tokenIssued.get(attack.tokenId()))
            .as(attack.id() + " token issued")
            .isNotNull()
            .isBeforeOrEqualTo(attack.from());
      }
      seenBefore(attack, "subject", attack.subject(), seen.subjects);
      seenBefore(attack, "client", attack.clientId(), seen.clients);
      seenBefore(attack, "grant", attack.grantId(), seen.grants);
      assertThat(attack.from())
          .as(attack.id() + " starts after the default learning periods")
          .isAfterOrEqualTo(MONDAY.plus(RealisticWeek.ATTACKS_AFTER));
      assertThat(attack.to()).isBefore(workload.description().end());
    }
  }

  private static void seenBefore(
      LabelledAttack attack, String what, String identity, Map<String, Instant> firstSeen) {
    if (identity != null) {
      assertThat(firstSeen.get(identity))
          .as(attack.id() + " " + what + " " + identity + " seen before the attack")
          .isNotNull()
          .isBefore(attack.from());
    }
  }

  /** When each identity first appears in the events. */
  private static final class FirstSeen {
    final Map<String, Instant> tokenIssued = new HashMap<>();
    final Map<String, Instant> subjects = new HashMap<>();
    final Map<String, Instant> clients = new HashMap<>();
    final Map<String, Instant> grants = new HashMap<>();

    void add(Input input) {
      Instant at = input.at();
      if (input.value() instanceof TokenIssued issued) {
        tokenIssued.putIfAbsent(issued.getTokenId(), at);
        note(subjects, issued.getSubject(), at);
        note(clients, issued.getClientId(), at);
        note(grants, issued.getGrantId(), at);
      } else if (input.value() instanceof TokenUsed used) {
        note(subjects, used.getSubject(), at);
        note(clients, used.getTokenClientId(), at);
        note(grants, used.getGrantId(), at);
      } else if (input.value() instanceof IssuanceDenied denied) {
        note(clients, denied.getClientId(), at);
      } else if (!(input.value() instanceof RevocationRequested)
          && !(input.value() instanceof Revocation)) {
        throw new AssertionError("unexpected event " + input.value().getClass());
      }
    }

    private static void note(Map<String, Instant> first, String value, Instant at) {
      if (value != null) {
        first.putIfAbsent(value, at);
      }
    }
  }
}
