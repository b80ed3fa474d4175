package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How far a poll stream's receiver has got: every SET of the stream's queue below {@code cursor} is
 * done (acknowledged, reported as an error, skipped, or not the stream's), and so is every SET in
 * {@code done} above it. Every other SET of the stream is pending and is returned, in queue order,
 * until it is done.
 *
 * <p>Done-ness only grows, so two states written concurrently from one ancestor combine without
 * losing anything: {@link #merge} is a union (commutative, associative, idempotent). Immutable.
 *
 * @param cursor the position below which everything is done
 * @param done the positions (with their {@code jti}s) done at or above {@code cursor}
 */
public record PollState(long cursor, NavigableMap<Long, String> done) {

  /** A stream nobody has polled yet: every SET it has is pending. */
  public static final PollState INITIAL = new PollState(0, new TreeMap<>());

  public PollState {
    requireNonNull(done, "done");
    if (cursor < 0) {
      throw new IllegalArgumentException("cursor must be >= 0");
    }
    TreeMap<Long, String> copy = new TreeMap<>(done.tailMap(cursor, true));
    copy.values().forEach(jti -> requireNonNull(jti, "done jti"));
    done = Collections.unmodifiableNavigableMap(copy);
  }

  /** Whether the SET at {@code offset} is done. */
  public boolean isDone(long offset) {
    return offset < cursor || done.containsKey(offset);
  }

  /** Everything done in either state. */
  public PollState merge(PollState other) {
    requireNonNull(other, "other");
    TreeMap<Long, String> union = new TreeMap<>(done);
    union.putAll(other.done);
    return new PollState(Math.max(cursor, other.cursor), union);
  }

  /**
   * Applies one poll to the stream's queue as read from {@link #cursor}.
   *
   * @param scanned the stream's SETs at or above {@link #cursor} and below {@code scannedEnd}, in
   *     queue order; positions in between hold no SET of the stream
   * @param scannedEnd the position after the last one examined
   * @param complete whether {@code scannedEnd} is the end of the queue (more SETs of the stream may
   *     follow otherwise)
   * @param request the poll
   * @return the new state, the SETs to return and the errors to record
   * @throws IllegalArgumentException if {@code scanned} is out of order or outside the range
   */
  public Step apply(List<PollSet> scanned, long scannedEnd, boolean complete, PollRequest request) {
    requireNonNull(scanned, "scanned");
    requireNonNull(request, "request");
    if (scannedEnd < cursor) {
      throw new IllegalArgumentException("scannedEnd must be >= cursor");
    }
    long previous = -1;
    Map<String, List<PollSet>> byJti = new LinkedHashMap<>();
    for (PollSet set : scanned) {
      if (set.offset() <= previous || set.offset() < cursor || set.offset() >= scannedEnd) {
        throw new IllegalArgumentException("scanned SETs out of order or range at " + set);
      }
      previous = set.offset();
      byJti.computeIfAbsent(set.jti(), jti -> new ArrayList<>()).add(set);
    }
    TreeMap<Long, String> nowDone = new TreeMap<>(done);
    int acknowledged = 0;
    for (String jti : request.ack()) {
      if (markDone(byJti.get(jti), nowDone)) {
        acknowledged++;
      }
    }
    List<Reported> errors = new ArrayList<>();
    request
        .setErrs()
        .forEach(
            (jti, error) -> {
              List<PollSet> sets = byJti.get(jti);
              if (sets != null && markDone(sets, nowDone)) {
                errors.add(new Reported(sets.get(0), error));
              }
            });
    long next = scannedEnd;
    for (PollSet set : scanned) {
      if (!nowDone.containsKey(set.offset())) {
        next = set.offset();
        break;
      }
    }
    PollState state = new PollState(next, nowDone);
    List<PollSet> returned = new ArrayList<>();
    Set<String> jtis = new HashSet<>();
    boolean more = !complete;
    for (PollSet set : scanned) {
      if (state.isDone(set.offset()) || jtis.contains(set.jti())) {
        continue;
      }
      if (returned.size() == request.maxEvents()) {
        more = true;
        break;
      }
      returned.add(set);
      jtis.add(set.jti());
    }
    return new Step(state, returned, more, acknowledged, errors);
  }

  private static boolean markDone(@Nullable List<PollSet> sets, TreeMap<Long, String> nowDone) {
    if (sets == null) {
      return false;
    }
    boolean changed = false;
    for (PollSet set : sets) {
      changed |= nowDone.putIfAbsent(set.offset(), set.jti()) == null;
    }
    return changed;
  }

  /**
   * The outcome of one poll.
   *
   * @param state the stream's state after it
   * @param returned the SETs to return, in queue order, at most {@code maxEvents}, one per jti
   * @param moreAvailable whether pending SETs remain beyond those returned
   * @param acknowledged how many pending SETs the poll acknowledged
   * @param errors the pending SETs the poll reported as errors
   */
  public record Step(
      PollState state,
      List<PollSet> returned,
      boolean moreAvailable,
      int acknowledged,
      List<Reported> errors) {
    public Step {
      requireNonNull(state, "state");
      returned = List.copyOf(returned);
      errors = List.copyOf(errors);
    }
  }

  /** A SET the receiver reported it could not process. */
  public record Reported(PollSet set, PollRequest.SetError error) {
    public Reported {
      requireNonNull(set, "set");
      requireNonNull(error, "error");
    }
  }
}
