package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a rule observed when it fired.
 *
 * @param eventIds ids of the triggering events, a bounded sample when there are many
 * @param count how many matching events the rule counted
 * @param firstSeen time of the earliest matching event (the incident start)
 * @param lastSeen time of the latest matching event (the trigger)
 * @param observed rule-specific observed values by name
 * @param thresholds the configured thresholds the observations crossed, by name
 */
public record Evidence(
    List<String> eventIds,
    long count,
    Instant firstSeen,
    Instant lastSeen,
    Map<String, String> observed,
    Map<String, String> thresholds) {

  /** Most event ids an alert carries. */
  public static final int MAX_EVENT_IDS = 20;

  public Evidence {
    eventIds = List.copyOf(requireNonNull(eventIds, "eventIds"));
    requireNonNull(firstSeen, "firstSeen");
    requireNonNull(lastSeen, "lastSeen");
    observed = Map.copyOf(requireNonNull(observed, "observed"));
    thresholds = Map.copyOf(requireNonNull(thresholds, "thresholds"));
    if (eventIds.isEmpty()) {
      throw new IllegalArgumentException("evidence needs at least one event id");
    }
    if (eventIds.size() > MAX_EVENT_IDS) {
      throw new IllegalArgumentException("at most " + MAX_EVENT_IDS + " event ids");
    }
    if (count < eventIds.size()) {
      throw new IllegalArgumentException("count " + count + " below the event ids given");
    }
    if (lastSeen.isBefore(firstSeen)) {
      throw new IllegalArgumentException("lastSeen before firstSeen");
    }
  }
}
