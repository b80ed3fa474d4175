package io.tokenwatch.signals.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Push delivery's lanes, cursors and committed offset, driven the way the deliverer drives them
 * through random sequences of appends, polls, successful and failed pushes, catch-ups, commits,
 * lost cursor writes and restarts, against a plain model: the list of records of each stream. Every
 * receiver always holds, after deduplication, a gap-free prefix of its stream in order; the
 * committed offset never passes a record some receiver still lacks; once receivers answer, each
 * gets everything.
 */
class StreamLanePropertyTest {

  private static final List<String> STREAMS = List.of("a", "b", "c");
  private static final int BUFFER = 2;

  enum Kind {
    APPEND,
    POLL,
    PUSH_OK,
    PUSH_FAIL,
    PUSH_OK_CURSOR_LOST,
    COMMIT,
    RESTART
  }

  record Op(Kind kind, int stream, int count) {}

  @Property(tries = 300)
  void shouldDeliverEveryStreamInOrderWithoutGapsAcrossRestarts(
      @ForAll("operations") List<Op> ops) {
    Simulation sim = new Simulation();
    for (Op op : ops) {
      sim.apply(op);
      sim.checkInvariants();
    }
    sim.drain();
    for (String stream : STREAMS) {
      assertThat(sim.receivedDeduplicated(stream)).as(stream).isEqualTo(sim.model(stream));
    }
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.integers().between(0, STREAMS.size() - 1),
            Arbitraries.integers().between(1, 5))
        .as(Op::new)
        .list()
        .ofMaxSize(80);
  }

  /** The deliverer's use of lanes over one partition, with a log in a list. */
  private static final class Simulation {
    private final List<String> log = new ArrayList<>();
    private final Map<String, Long> cursors = new HashMap<>();
    private final Map<String, List<Long>> received = new HashMap<>();
    private long committed;
    private long pollerNext;
    private Map<String, StreamLane> lanes = new HashMap<>();

    void apply(Op op) {
      String stream = STREAMS.get(op.stream());
      switch (op.kind()) {
        case APPEND -> {
          for (int i = 0; i < op.count(); i++) {
            log.add(stream);
          }
        }
        case POLL -> poll(op.count());
        case PUSH_OK -> push(stream, true, true);
        case PUSH_FAIL -> push(stream, false, true);
        case PUSH_OK_CURSOR_LOST -> push(stream, true, false);
        case COMMIT -> commit();
        case RESTART -> {
          lanes = new HashMap<>();
          pollerNext = committed;
        }
      }
    }

    private void poll(int count) {
      for (int i = 0; i < count && pollerNext < log.size(); i++) {
        long offset = pollerNext;
        String stream = log.get((int) offset);
        pollerNext = offset + 1; // before the offer, as the poller does
        StreamLane lane =
            lanes.computeIfAbsent(
                stream, id -> new StreamLane(id, cursors.getOrDefault(id, 0L), BUFFER));
        lane.offer(offset, () -> new StreamLane.Pending(offset, "set", 0, Long.toString(offset)));
      }
    }

    private void push(String stream, boolean accepted, boolean cursorWritten) {
      StreamLane lane = lanes.get(stream);
      if (lane == null) {
        return;
      }
      StreamLane.Pending head = lane.head(true);
      if (head == null) {
        OptionalLong from = lane.catchUpFrom();
        if (from.isPresent()) {
          catchUp(lane, stream, from.getAsLong());
        }
        return;
      }
      if (!accepted) {
        lane.failed("503");
        return;
      }
      received.computeIfAbsent(stream, id -> new ArrayList<>()).add(head.offset());
      long cursor = lane.delivered(head.offset());
      if (cursorWritten) {
        cursors.merge(stream, cursor, Math::max);
      }
    }

    private void catchUp(StreamLane lane, String stream, long from) {
      long until = pollerNext;
      List<StreamLane.Pending> found = new ArrayList<>();
      long position = from;
      while (position < until && found.size() < BUFFER) {
        if (log.get((int) position).equals(stream)) {
          found.add(new StreamLane.Pending(position, "set", 0, Long.toString(position)));
        }
        position++;
      }
      lane.caughtUp(found, position, pollerNext);
    }

    private void commit() {
      long needed = pollerNext;
      for (StreamLane lane : lanes.values()) {
        needed = Math.min(needed, lane.needs());
      }
      assertThat(needed).as("committed offsets never go back").isGreaterThanOrEqualTo(committed);
      committed = needed;
    }

    void drain() {
      for (int round = 0; round < 10 * (log.size() + 1); round++) {
        poll(log.size());
        for (String stream : STREAMS) {
          push(stream, true, true);
        }
        commit();
      }
    }

    List<Long> model(String stream) {
      List<Long> offsets = new ArrayList<>();
      for (int i = 0; i < log.size(); i++) {
        if (log.get(i).equals(stream)) {
          offsets.add((long) i);
        }
      }
      return offsets;
    }

    List<Long> receivedDeduplicated(String stream) {
      return List.copyOf(new LinkedHashSet<>(received.getOrDefault(stream, List.of())));
    }

    void checkInvariants() {
      for (String stream : STREAMS) {
        List<Long> all = model(stream);
        List<Long> got = receivedDeduplicated(stream);
        assertThat(got)
            .as("%s gets a prefix of its stream, in order", stream)
            .isEqualTo(all.subList(0, got.size()));
        if (got.size() < all.size()) {
          long firstMissing = all.get(got.size());
          assertThat(committed)
              .as(
                  "the committed offset never passes %s's undelivered offset %d",
                  stream, firstMissing)
              .isLessThanOrEqualTo(firstMissing);
        }
      }
    }
  }
}
