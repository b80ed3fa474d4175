package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where recent revocation records landed (topic, partition, offset) by selector, learnt by
 * following the revocation topics, so a validator's feed position can be compared with them.
 * Bounded: the records of the {@value #MAX_SELECTORS} selectors seen last. Thread-safe.
 */
public final class RevocationRecords {

  /** How many selectors are remembered. */
  public static final int MAX_SELECTORS = 10_000;

  /** How many records per selector are remembered (the newest). */
  static final int MAX_PER_SELECTOR = 8;

  /** One revocation record. */
  public record Landed(String topic, int partition, long offset, Instant timestamp) {
    public Landed {
      requireNonNull(topic, "topic");
      requireNonNull(timestamp, "timestamp");
    }
  }

  private final Map<String, List<Landed>> bySelector =
      new LinkedHashMap<>(256, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<Landed>> eldest) {
          return size() > MAX_SELECTORS;
        }
      };

  /** Remembers that a record for {@code selector} landed at {@code landed}. */
  public synchronized void seen(String selector, Landed landed) {
    requireNonNull(selector, "selector");
    requireNonNull(landed, "landed");
    // Re-inserted so the selector counts as seen last.
    List<Landed> records = bySelector.remove(selector);
    if (records == null) {
      records = new ArrayList<>();
    }
    if (!records.contains(landed)) {
      records.add(landed);
      if (records.size() > MAX_PER_SELECTOR) {
        records.remove(0);
      }
    }
    bySelector.put(selector, records);
  }

  /** The records for {@code selector} produced at or after {@code since}, oldest first. */
  public synchronized List<Landed> of(String selector, Instant since) {
    List<Landed> out = new ArrayList<>();
    for (Landed landed : bySelector.getOrDefault(selector, List.of())) {
      if (!landed.timestamp().isBefore(since)) {
        out.add(landed);
      }
    }
    return out;
  }
}
