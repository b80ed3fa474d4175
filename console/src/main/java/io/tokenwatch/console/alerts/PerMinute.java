package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Counts events per minute (by event time, in whole UTC minutes) over the last {@code minutes}
 * minutes, the current one included. Older events are dropped on arrival and as time passes; events
 * from the future (clock skew) count in their minute once it is in the window. Thread-safe.
 */
public final class PerMinute {

  private final int minutes;
  private final TreeMap<Instant, Long> counts = new TreeMap<>();

  public PerMinute(int minutes) {
    if (minutes < 1) {
      throw new IllegalArgumentException("minutes must be positive: " + minutes);
    }
    this.minutes = minutes;
  }

  /** Counts one event at {@code time}, unless it is older than the window at {@code now}. */
  public synchronized void add(Instant time, Instant now) {
    requireNonNull(time, "time");
    Instant minute = time.truncatedTo(ChronoUnit.MINUTES);
    if (minute.isBefore(first(now))) {
      return;
    }
    counts.merge(minute, 1L, Long::sum);
    counts.headMap(first(now)).clear();
  }

  /** The window at {@code now}: one count per minute, oldest first, {@code minutes} of them. */
  public synchronized List<Minute> window(Instant now) {
    Instant first = first(now);
    counts.headMap(first).clear();
    List<Minute> window = new ArrayList<>(minutes);
    for (int i = 0; i < minutes; i++) {
      Instant minute = first.plus(Duration.ofMinutes(i));
      window.add(new Minute(minute, counts.getOrDefault(minute, 0L)));
    }
    return window;
  }

  private Instant first(Instant now) {
    return now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(minutes - 1L));
  }

  /** How many events fell in the minute starting at {@code start}. */
  public record Minute(Instant start, long count) {
    public Minute {
      requireNonNull(start, "start");
    }
  }
}
