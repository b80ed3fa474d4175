package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.signals.kafka.PollStateJson;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Model-based test of {@link PollState}: random SET arrivals (interleaved with other streams'
 * records), polls with random maxEvents, acknowledgements (returned, unknown and repeated jtis),
 * errors, lost responses, two instances polling from one state, and restarts from the serialized
 * state. The model is the list of arrived jtis and the set of done ones.
 */
class PollStatePropertiesTest {

  private static final int BOUND = 8;

  sealed interface Op {}

  record Arrive(int gap) implements Op {}

  record Poll(int maxEvents, int ackMask, int errMask, boolean unknown, boolean lost)
      implements Op {}

  record Concurrent(int firstMask, int secondMask) implements Op {}

  record Restart() implements Op {}

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Op> arrive = Arbitraries.integers().between(0, 3).map(Arrive::new);
    Arbitrary<Op> poll =
        Combinators.combine(
                Arbitraries.integers().between(0, BOUND),
                Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(0, 255),
                Arbitraries.of(true, false),
                Arbitraries.of(true, false, false, false))
            .as(Poll::new);
    Arbitrary<Op> concurrent =
        Combinators.combine(
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 255))
            .as(Concurrent::new);
    Arbitrary<Op> restart = Arbitraries.just(new Restart());
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, arrive),
            net.jqwik.api.Tuple.of(5, poll),
            net.jqwik.api.Tuple.of(1, concurrent),
            net.jqwik.api.Tuple.of(1, restart))
        .list()
        .ofMaxSize(80);
  }

  /** The queue: the stream's SETs among other streams' records, positions with gaps. */
  private static final class Queue {
    final List<PollSet> sets = new ArrayList<>();
    long end;

    void arrive(int gap) {
      long offset = end + gap;
      sets.add(new PollSet(offset, "jti-" + sets.size(), "set-" + sets.size()));
      end = offset + 1 + (gap % 2);
    }

    PollQueue.Scan scan(long from, int limit) {
      List<PollSet> found = new ArrayList<>();
      for (PollSet set : sets) {
        if (set.offset() >= from) {
          found.add(set);
          if (found.size() == limit) {
            return new PollQueue.Scan(found, set.offset() + 1, set.offset() + 1 >= end);
          }
        }
      }
      return new PollQueue.Scan(found, Math.max(from, end), true);
    }
  }

  private static PollState.Step poll(PollState state, Queue queue, PollRequest request) {
    int limit = state.done().size() + BOUND + request.ack().size() + request.setErrs().size() + 1;
    PollQueue.Scan scan = queue.scan(state.cursor(), limit);
    return state.apply(scan.sets(), scan.end(), scan.complete(), request);
  }

  private static List<String> pending(List<String> arrived, Set<String> done) {
    return arrived.stream().filter(jti -> !done.contains(jti)).toList();
  }

  private static List<String> pick(List<String> from, int mask) {
    List<String> picked = new ArrayList<>();
    for (int i = 0; i < from.size() && i < 8; i++) {
      if ((mask & (1 << i)) != 0) {
        picked.add(from.get(i));
      }
    }
    return picked;
  }

  @Example
  void shouldStillReturnMaxEventsWhenThePollReportsMuchOfTheQueue() {
    List<Op> operations = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      operations.add(new Arrive(0));
    }
    operations.add(new Poll(5, 0, 0, true, false));
    operations.add(new Poll(5, 4, 59, true, true));
    shouldReturnEveryPendingSetInOrderUntilDoneAndNeverAfter(operations);
  }

  @Property(tries = 1000)
  void shouldReturnEveryPendingSetInOrderUntilDoneAndNeverAfter(
      @ForAll("operations") List<Op> operations) {
    Queue queue = new Queue();
    PollState state = PollState.INITIAL;
    List<String> arrived = new ArrayList<>();
    Set<String> done = new HashSet<>();
    List<String> seen = new ArrayList<>();
    Set<String> everReturned = new LinkedHashSet<>();
    List<String> firstReturnOrder = new ArrayList<>();
    for (Op op : operations) {
      if (op instanceof Arrive arrive) {
        queue.arrive(arrive.gap());
        arrived.add(queue.sets.get(queue.sets.size() - 1).jti());
      } else if (op instanceof Restart) {
        state = PollStateJson.decode(PollStateJson.encode(state)).orElseThrow();
      } else if (op instanceof Concurrent concurrent) {
        List<String> first = pick(seen, concurrent.firstMask());
        List<String> second = pick(seen, concurrent.secondMask());
        PollState a = poll(state, queue, PollRequest.of(first, 0, true)).state();
        PollState b = poll(state, queue, PollRequest.of(second, 0, true)).state();
        state = a.merge(b);
        assertThat(b.merge(a)).isEqualTo(state);
        done.addAll(first);
        done.addAll(second);
        seen.removeAll(first);
        seen.removeAll(second);
        List<String> expected = pending(arrived, done);
        assertThat(
                poll(state, queue, PollRequest.of(List.of(), BOUND, true)).returned().stream()
                    .map(PollSet::jti)
                    .toList())
            .as("pending after concurrent acknowledgements")
            .isEqualTo(expected.subList(0, Math.min(BOUND, expected.size())));
      } else if (op instanceof Poll poll) {
        List<String> acks = new ArrayList<>(pick(seen, poll.ackMask()));
        Map<String, PollRequest.SetError> errs = new LinkedHashMap<>();
        for (String jti : pick(seen, poll.errMask())) {
          if (!acks.contains(jti)) {
            errs.put(jti, new PollRequest.SetError("invalid_key", "test"));
          }
        }
        if (poll.unknown()) {
          acks.add("unknown-" + acks.size());
          done.stream().findFirst().ifPresent(acks::add);
        }
        PollRequest request =
            new PollRequest(new LinkedHashSet<>(acks), errs, poll.maxEvents(), true);
        PollState.Step step = poll(state, queue, request);
        for (String jti : acks) {
          if (arrived.contains(jti)) {
            done.add(jti);
          }
        }
        assertThat(step.errors().stream().map(e -> e.set().jti()).toList())
            .containsExactlyElementsOf(
                errs.keySet().stream().filter(jti -> !done.contains(jti)).toList());
        done.addAll(errs.keySet());
        List<String> expectedPending = pending(arrived, done);
        List<String> returned = step.returned().stream().map(PollSet::jti).toList();
        assertThat(returned)
            .as("the first pending SETs, in order")
            .isEqualTo(
                expectedPending.subList(0, Math.min(poll.maxEvents(), expectedPending.size())));
        assertThat(step.moreAvailable()).isEqualTo(expectedPending.size() > returned.size());
        assertThat(returned).noneMatch(done::contains);
        state = step.state();
        seen.removeAll(acks);
        seen.removeAll(errs.keySet());
        if (!poll.lost()) {
          for (String jti : returned) {
            if (!seen.contains(jti)) {
              seen.add(jti);
            }
            if (everReturned.add(jti)) {
              firstReturnOrder.add(jti);
            }
          }
        }
      }
    }
    // Drain: a receiver acknowledging all it gets receives every SET not yet done, in order.
    List<String> acks = List.copyOf(seen);
    for (int round = 0; round < arrived.size() + 2; round++) {
      PollState.Step step = poll(state, queue, PollRequest.of(acks, BOUND, true));
      done.addAll(acks);
      state = step.state();
      acks = step.returned().stream().map(PollSet::jti).toList();
      for (String jti : acks) {
        assertThat(done).as("an acknowledged SET never returns").doesNotContain(jti);
        if (everReturned.add(jti)) {
          firstReturnOrder.add(jti);
        }
      }
    }
    assertThat(firstReturnOrder)
        .as("every SET returned, first in arrival order")
        .isEqualTo(arrived);
    assertThat(state.cursor()).isEqualTo(queue.end);
    assertThat(state.done()).isEmpty();
  }
}
