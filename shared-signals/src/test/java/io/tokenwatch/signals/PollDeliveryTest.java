package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Poll delivery's handling of stream status, ownership, bounds and reported errors. */
class PollDeliveryTest {

  private final InMemoryStreamRegistry streams = new InMemoryStreamRegistry();
  private final List<PollSet> queued = new ArrayList<>();
  private final Map<String, PollState> states = new ConcurrentHashMap<>();
  private final List<PollState.Reported> recorded = new ArrayList<>();
  private Runnable onWait = () -> {};
  private long waitedFrom = -1;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final PollDelivery delivery =
      new PollDelivery(
          streams,
          new PollQueue() {
            @Override
            public Scan scan(String streamId, long from, int limit) {
              List<PollSet> sets =
                  queued.stream().filter(set -> set.offset() >= from).limit(limit).toList();
              return new Scan(sets, Math.max(from, queued.size() * 2L), true);
            }

            @Override
            public boolean awaitArrival(String streamId, long from, Duration timeout) {
              waitedFrom = from;
              onWait.run();
              return false;
            }
          },
          new PollStates() {
            @Override
            public PollState load(String streamId) {
              return states.getOrDefault(streamId, PollState.INITIAL);
            }

            @Override
            public PollState commit(String streamId, PollState state) {
              return states.merge(streamId, state, PollState::merge);
            }
          },
          (stream, errors) -> recorded.addAll(errors),
          new PollDelivery.Settings(10, Duration.ofSeconds(30), 16),
          meters,
          java.time.Clock.systemUTC());

  /** How a queue's wait for arrivals ends: whether something arrived within {@code timeout}. */
  @FunctionalInterface
  private interface ArrivalWait {
    boolean await(Duration timeout);
  }

  /**
   * Poll delivery over a queue that stays empty and waits as {@code wait} says, keeping no state
   * and no reported errors.
   */
  private PollDelivery overEmptyQueue(
      ArrivalWait wait, PollDelivery.Settings settings, java.time.Clock clock) {
    return new PollDelivery(
        streams,
        new PollQueue() {
          @Override
          public Scan scan(String streamId, long from, int limit) {
            return new Scan(List.of(), from, true);
          }

          @Override
          public boolean awaitArrival(String streamId, long from, Duration timeout) {
            return wait.await(timeout);
          }
        },
        new PollStates() {
          @Override
          public PollState load(String streamId) {
            return PollState.INITIAL;
          }

          @Override
          public PollState commit(String streamId, PollState state) {
            return state;
          }
        },
        (stream, errors) -> {},
        settings,
        meters,
        clock);
  }

  private void stream(StreamStatus status, DeliveryMethod method) {
    Instant now = Instant.EPOCH;
    streams.put(
        new SignalStream(
            "s",
            "rp",
            "rp",
            method,
            URI.create("https://transmitter.example/ssf/poll/s"),
            null,
            Set.of(),
            status,
            null,
            "",
            Set.of(),
            now,
            now));
  }

  private void queue(String... jtis) {
    for (String jti : jtis) {
      queued.add(new PollSet(queued.size() * 2L, jti, "h." + jti + ".s"));
    }
  }

  private static List<String> jtis(PollOutcome outcome) {
    assertThat(outcome).isInstanceOf(PollOutcome.Delivered.class);
    return ((PollOutcome.Delivered) outcome).sets().stream().map(PollSet::jti).toList();
  }

  @Test
  void shouldAnswerAnotherReceiversStreamAsUnknown() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    queue("a");

    assertThat(delivery.poll("intruder", "s", PollRequest.of(List.of(), 10, true)))
        .isInstanceOf(PollOutcome.NotFound.class);
    assertThat(delivery.poll("rp", "other", PollRequest.of(List.of(), 10, true)))
        .isInstanceOf(PollOutcome.NotFound.class);
    assertThat(delivery.poll("intruder", "s", PollRequest.of(List.of("a"), 10, true)))
        .isInstanceOf(PollOutcome.NotFound.class);
    assertThat(states).as("an intruder's acknowledgement changes nothing").isEmpty();
  }

  @Test
  void shouldRefuseToPollAPushStream() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.PUSH);
    assertThat(delivery.poll("rp", "s", PollRequest.of(List.of(), 10, true)))
        .isInstanceOf(PollOutcome.NotPolled.class);
  }

  @Test
  void shouldRefuseMaxEventsAboveTheBound() {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    assertThatThrownBy(() -> delivery.poll("rp", "s", PollRequest.of(List.of(), 11, true)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldHoldSetsOfAPausedStreamAndDeliverThemOnceEnabledDuringALongPoll() throws Exception {
    stream(StreamStatus.PAUSED, DeliveryMethod.POLL);
    queue("a", "b");

    PollOutcome held = delivery.poll("rp", "s", PollRequest.of(List.of(), 10, true));
    assertThat(jtis(held)).isEmpty();
    assertThat(((PollOutcome.Delivered) held).moreAvailable()).isFalse();

    onWait =
        () -> {
          assertThat(waitedFrom)
              .as("a paused stream does not wait for arrivals")
              .isEqualTo(Long.MAX_VALUE);
          stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
        };
    assertThat(jtis(delivery.poll("rp", "s", PollRequest.of(List.of(), 10, false))))
        .containsExactly("a", "b");
  }

  @Test
  void shouldDiscardPendingSetsOfADisabledStream() throws Exception {
    stream(StreamStatus.DISABLED, DeliveryMethod.POLL);
    queue("a", "b");

    assertThat(delivery.poll("rp", "s", PollRequest.of(List.of(), 10, true)))
        .isEqualTo(new PollOutcome.Disabled(2));
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    queue("c");
    assertThat(jtis(delivery.poll("rp", "s", PollRequest.of(List.of(), 10, true))))
        .containsExactly("c");
  }

  @Test
  void shouldRecordReportedErrorsOnceAndCountThemDone() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    queue("a", "b");
    PollRequest.SetError error = new PollRequest.SetError("invalid_issuer", "whose?");
    PollRequest report = new PollRequest(Set.of(), Map.of("a", error), 10, true);

    assertThat(jtis(delivery.poll("rp", "s", report))).containsExactly("b");
    assertThat(jtis(delivery.poll("rp", "s", report))).containsExactly("b");
    assertThat(recorded).hasSize(1);
    assertThat(recorded.get(0).set().jti()).isEqualTo("a");
    assertThat(recorded.get(0).error()).isEqualTo(error);
    assertThat(meters.counter("tokenwatch.ssf.poll.sets", "outcome", "error").count())
        .isEqualTo(1.0);
  }

  @Test
  void shouldAnswerAnAcknowledgeOnlyPollWithoutWaiting() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    queue("a", "b");
    onWait =
        () -> {
          throw new AssertionError("an acknowledge-only poll waited");
        };

    PollOutcome outcome = delivery.poll("rp", "s", PollRequest.of(List.of("a"), 0, false));
    assertThat(jtis(outcome)).isEmpty();
    assertThat(((PollOutcome.Delivered) outcome).moreAvailable()).isTrue();
    assertThat(jtis(delivery.poll("rp", "s", PollRequest.of(List.of(), 10, true))))
        .containsExactly("b");
  }

  @Test
  void shouldAnswerAtOnceWhenTooManyPollsAreWaiting() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    PollDelivery full =
        overEmptyQueue(
            timeout -> {
              throw new AssertionError("waited beyond the bound");
            },
            new PollDelivery.Settings(10, Duration.ofSeconds(30), 0),
            java.time.Clock.systemUTC());

    assertThat(jtis(full.poll("rp", "s", PollRequest.of(List.of(), 10, false)))).isEmpty();
  }

  @Test
  void shouldWaitUpToTheLongPollTimeAndAnswerWithNothing() throws Exception {
    stream(StreamStatus.ENABLED, DeliveryMethod.POLL);
    MutableClock clock = new MutableClock(Instant.EPOCH);
    List<Duration> waits = new ArrayList<>();
    PollDelivery waiting =
        overEmptyQueue(
            timeout -> {
              waits.add(timeout);
              clock.advance(timeout);
              return false;
            },
            new PollDelivery.Settings(10, Duration.ofMillis(2500), 16),
            clock);

    assertThat(jtis(waiting.poll("rp", "s", PollRequest.of(List.of(), 10, false)))).isEmpty();
    assertThat(waits).as("waits in slices, rechecking the stream's status").hasSize(3);
    assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofMillis(2500));
  }
}
