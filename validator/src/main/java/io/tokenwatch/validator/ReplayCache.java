package io.tokenwatch.validator;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Proof ids seen, each remembered until the moment its proof would be refused as too old anyway.
 * Bounded: when it holds {@code capacity} ids that are all still live it refuses to remember more,
 * so the caller can refuse the proof instead of forgetting a live id early and letting it be
 * replayed. Thread-safe (one short critical section per call).
 */
final class ReplayCache {

  /** What {@link #remember} did. */
  enum Outcome {
    /** The id was new and is now remembered. */
    REMEMBERED,
    /** The id is remembered already: a replay. */
    SEEN,
    /** The cache is full of live ids; this one was not remembered. */
    FULL
  }

  private record Expiry(String id, long atMillis) {}

  private final long capacity;
  private final Map<String, Long> expiries = new HashMap<>();
  private final PriorityQueue<Expiry> byExpiry =
      new PriorityQueue<>((a, b) -> Long.compare(a.atMillis(), b.atMillis()));

  ReplayCache(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Remembers {@code id} until {@code expiresAtMillis} (inclusive), unless it is remembered already
   * or the cache is full of ids live at {@code nowMillis}.
   */
  synchronized Outcome remember(String id, long expiresAtMillis, long nowMillis) {
    forgetExpired(nowMillis);
    if (expiries.containsKey(id)) {
      return Outcome.SEEN;
    }
    if (expiries.size() >= capacity) {
      return Outcome.FULL;
    }
    expiries.put(id, expiresAtMillis);
    byExpiry.add(new Expiry(id, expiresAtMillis));
    return Outcome.REMEMBERED;
  }

  /** How many ids are remembered, live or not yet purged. */
  synchronized int size() {
    return expiries.size();
  }

  private void forgetExpired(long nowMillis) {
    Expiry head = byExpiry.peek();
    while (head != null && head.atMillis() < nowMillis) {
      byExpiry.poll();
      expiries.remove(head.id());
      head = byExpiry.peek();
    }
  }
}
