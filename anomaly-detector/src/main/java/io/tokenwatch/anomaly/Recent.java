package io.tokenwatch.anomaly;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent matching events of one kind (id and event time), at most a capacity of them:
 * enough to tell whether N of them fall within a window, and to name them as evidence. Mutable; a
 * state value.
 */
public final class Recent {

  List<String> ids = new ArrayList<>();
  List<Long> times = new ArrayList<>();

  /** Keeps {@code eventId} at {@code at}, dropping the oldest beyond {@code capacity}. */
  public void add(String eventId, Instant at, int capacity) {
    ids.add(eventId);
    times.add(at.toEpochMilli());
    while (ids.size() > Math.max(1, capacity)) {
      ids.remove(0);
      times.remove(0);
    }
  }

  /** How many kept events fall within {@code window} up to {@code now}. */
  /** The time of the latest event (epoch ms), or MIN_VALUE when empty. */
  public long lastAt() {
    long last = Long.MIN_VALUE;
    for (long t : times) {
      last = Math.max(last, t);
    }
    return last;
  }

  public int countWithin(Duration window, Instant now) {
    return indexesWithin(window, now).size();
  }

  /** The evidence of the kept events within {@code window} up to {@code now}. */
  public Sample within(Duration window, Instant now) {
    List<Integer> indexes = indexesWithin(window, now);
    List<String> sample = new ArrayList<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int i : indexes) {
      sample.add(ids.get(i));
      first = Math.min(first, times.get(i));
      last = Math.max(last, times.get(i));
    }
    int from = Math.max(0, sample.size() - Evidence.MAX_EVENT_IDS);
    return new Sample(
        List.copyOf(sample.subList(from, sample.size())),
        indexes.size(),
        Instant.ofEpochMilli(first),
        Instant.ofEpochMilli(last));
  }

  /** Whether nothing is kept. */
  public boolean isEmpty() {
    return ids.isEmpty();
  }

  private List<Integer> indexesWithin(Duration window, Instant now) {
    long from = now.toEpochMilli() - window.toMillis();
    long to = now.toEpochMilli();
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < times.size(); i++) {
      long t = times.get(i);
      if (t >= from && t <= to) {
        indexes.add(i);
      }
    }
    return indexes;
  }

  /** Event ids (the latest, bounded), count and time span of matching events. */
  public record Sample(List<String> eventIds, long count, Instant first, Instant last) {}
}
