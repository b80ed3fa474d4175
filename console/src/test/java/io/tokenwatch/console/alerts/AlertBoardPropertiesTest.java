package io.tokenwatch.console.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The board against a plain model that recomputes everything from the whole history: whatever the
 * order alerts and acts arrive in (two topics, no order between them), duplicates included, the
 * board shows what the model says at any time.
 */
class AlertBoardPropertiesTest {

  private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");
  private static final List<String> RULES = List.of("UNFAMILIAR_CLIENT", "TOKEN_SPREAD");
  private static final List<String> SUBJECTS = List.of("alice", "bob");
  private static final List<String> CLIENTS = List.of("agent", "cli");

  @Property(tries = 300)
  void shouldShowWhatAPlainModelOfTheWholeHistoryShows(
      @ForAll("histories") List<Object> history,
      @ForAll @IntRange(min = 1, max = 6) int capacity,
      @ForAll @IntRange(min = 0, max = 7_200) int nowSeconds) {
    Instant now = T0.plusSeconds(nowSeconds);
    AlertBoard board = new AlertBoard(capacity);
    for (Object item : history) {
      if (item instanceof Alert alert) {
        board.add(alert);
      } else {
        board.apply((AlertAct) item);
      }
    }

    AlertBoard.View view = board.view(now);

    List<AlertBoard.Entry> expected = model(history, capacity, now);
    assertThat(view.active())
        .containsExactlyElementsOf(
            expected.stream().filter(entry -> entry.suppressedBy() == null).toList());
    assertThat(view.suppressed())
        .containsExactlyElementsOf(
            expected.stream().filter(entry -> entry.suppressedBy() != null).toList());
  }

  @Property(tries = 300)
  void shouldAcceptASuppressionEndExactlyWhenInTheFutureAndAtMostThirtyDaysAway(
      @ForAll @IntRange(min = -100_000, max = 3_000_000) int seconds) {
    Instant until = T0.plusSeconds(seconds);
    boolean allowed = seconds > 0 && seconds <= 30 * 86_400;

    Optional<Instant> accepted;
    try {
      accepted = Optional.of(Suppression.checkUntil(T0, until));
    } catch (IllegalArgumentException refused) {
      accepted = Optional.empty();
    }

    assertThat(accepted.isPresent()).isEqualTo(allowed);
    accepted.ifPresent(value -> assertThat(value).isEqualTo(until));
  }

  /**
   * The model: per id the newest copy (the last read of equally new ones), the newest capacity of
   * them, acts replayed in full.
   */
  private static List<AlertBoard.Entry> model(List<Object> history, int capacity, Instant now) {
    List<Alert> latest = new ArrayList<>();
    for (Object item : history) {
      if (item instanceof Alert alert) {
        Optional<Alert> known =
            latest.stream().filter(kept -> kept.alertId().equals(alert.alertId())).findFirst();
        if (known.isPresent() && known.get().occurredAt().isAfter(alert.occurredAt())) {
          continue;
        }
        known.ifPresent(latest::remove);
        latest.add(alert);
      }
    }
    latest.sort(Comparator.comparing(Alert::occurredAt).reversed().thenComparing(Alert::alertId));
    List<Alert> kept = latest.subList(0, Math.min(capacity, latest.size()));
    List<AlertAct> acts = new ArrayList<>();
    for (Object item : history) {
      if (item instanceof AlertAct act
          && acts.stream().noneMatch(seen -> seen.eventId().equals(act.eventId()))) {
        acts.add(act);
      }
    }
    List<AlertBoard.Entry> entries = new ArrayList<>();
    for (Alert alert : kept) {
      AlertAct.Acknowledge ack = null;
      AlertAct.Assign assign = null;
      Suppression hiding = null;
      for (AlertAct act : acts) {
        if (act instanceof AlertAct.Acknowledge a
            && a.alertId().equals(alert.alertId())
            && (ack == null || !a.at().isBefore(ack.at()))) {
          ack = a;
        }
        if (act instanceof AlertAct.Assign a
            && a.alertId().equals(alert.alertId())
            && (assign == null || !a.at().isBefore(assign.at()))) {
          assign = a;
        }
        if (act instanceof AlertAct.Suppress s) {
          Suppression candidate = s.suppression();
          boolean sameTarget =
              candidate.rule().equals(alert.rule())
                  && Objects.equals(candidate.subject(), alert.subject())
                  && Objects.equals(candidate.clientId(), alert.clientId());
          if (sameTarget
              && now.isBefore(candidate.until())
              && (hiding == null || candidate.until().isAfter(hiding.until()))) {
            hiding = candidate;
          }
        }
      }
      entries.add(new AlertBoard.Entry(alert, ack, assign, hiding));
    }
    return entries;
  }

  @Provide
  Arbitrary<List<Object>> histories() {
    Arbitrary<Object> item = Arbitraries.oneOf(alerts(), acts());
    return item.list().ofMaxSize(25);
  }

  private static Arbitrary<Object> alerts() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 8),
            Arbitraries.integers().between(0, 3_600),
            Arbitraries.of(RULES),
            Arbitraries.of(SUBJECTS).injectNull(0.3),
            Arbitraries.of(CLIENTS).injectNull(0.3))
        .as(
            (id, at, rule, subject, client) ->
                new Alert(
                    "alert-" + id,
                    T0.plusSeconds(at),
                    rule,
                    "HIGH",
                    subject,
                    client,
                    null,
                    null,
                    "summary",
                    1,
                    T0,
                    T0,
                    Map.of(),
                    Map.of()));
  }

  private static Arbitrary<Object> acts() {
    // Few event ids, so duplicates (a re-read topic) occur.
    Arbitrary<String> eventIds = Arbitraries.integers().between(1, 12).map(i -> "event-" + i);
    Arbitrary<String> alertIds = Arbitraries.integers().between(1, 8).map(i -> "alert-" + i);
    Arbitrary<Instant> times = Arbitraries.integers().between(0, 3_600).map(T0::plusSeconds);
    Arbitrary<String> actors = Arbitraries.of("rita", "rob");
    Arbitrary<Object> ack =
        Combinators.combine(eventIds, alertIds, actors, times)
            .as((e, a, who, at) -> new AlertAct.Acknowledge(e, a, who, at, null));
    Arbitrary<Object> assign =
        Combinators.combine(eventIds, alertIds, actors, times, actors)
            .as((e, a, who, at, to) -> new AlertAct.Assign(e, a, who, at, null, to));
    Arbitrary<Object> suppress =
        Combinators.combine(
                eventIds,
                alertIds,
                times,
                Arbitraries.of(RULES),
                Arbitraries.of(SUBJECTS).injectNull(0.3),
                Arbitraries.of(CLIENTS).injectNull(0.3),
                Arbitraries.integers().between(1, 7_200))
            .as(
                (e, a, at, rule, subject, client, lasts) ->
                    new AlertAct.Suppress(
                        e,
                        a,
                        "rob",
                        at,
                        "reason",
                        new Suppression(
                            rule, subject, client, at.plus(Duration.ofSeconds(lasts)), "rob")));
    return Arbitraries.oneOf(ack, assign, suppress);
  }

  @Property(tries = 200)
  void shouldCountPerMinuteWhatAPlainFilterOfTheWindowCounts(
      @ForAll @Size(max = 60) List<@IntRange(min = -1_800, max = 120) Integer> offsets,
      @ForAll @IntRange(min = 0, max = 59) int nowSecond) {
    Instant now = T0.plusSeconds(nowSecond);
    PerMinute perMinute = new PerMinute(15);
    for (int offset : offsets) {
      perMinute.add(now.plusSeconds(offset), now);
    }

    List<PerMinute.Minute> window = perMinute.window(now);

    assertThat(window).hasSize(15);
    Instant first = T0.minus(Duration.ofMinutes(14));
    for (int i = 0; i < 15; i++) {
      Instant start = first.plus(Duration.ofMinutes(i));
      long expected =
          offsets.stream()
              .map(now::plusSeconds)
              .filter(time -> !time.isBefore(start) && time.isBefore(start.plusSeconds(60)))
              .count();
      assertThat(window.get(i)).isEqualTo(new PerMinute.Minute(start, expected));
    }
  }
}
