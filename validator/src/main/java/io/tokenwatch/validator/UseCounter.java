package io.tokenwatch.validator;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local use counts per token id. An entry leaves once its token has expired (swept as new tokens
 * arrive), so the map is bounded by the live tokens this validator sees.
 */
final class UseCounter {

  private static final int SWEEP_EVERY = 4096;

  private final ConcurrentHashMap<String, Count> counts = new ConcurrentHashMap<>();
  private final AtomicLong inserts = new AtomicLong();

  private static final class Count extends AtomicLong {
    private static final long serialVersionUID = 1L;
    final long forgetAtMillis;

    Count(long forgetAtMillis) {
      this.forgetAtMillis = forgetAtMillis;
    }
  }

  /** The uses counted so far for {@code tokenId}. */
  long current(String tokenId) {
    Count count = counts.get(tokenId);
    return count == null ? 0 : count.get();
  }

  /**
   * Counts one use unless that would exceed {@code maxUses}.
   *
   * @param maxUses the limit, or a negative number for none
   * @param forgetAtMillis when the count may be dropped (the token's expiry plus skew)
   * @return the count including this use, or minus the current count when the use is refused
   */
  long tryUse(String tokenId, long maxUses, long forgetAtMillis, long nowMillis) {
    Count count = counts.get(tokenId);
    if (count == null) {
      count = counts.computeIfAbsent(tokenId, id -> new Count(forgetAtMillis));
      if (inserts.incrementAndGet() % SWEEP_EVERY == 0) {
        sweep(nowMillis);
      }
    }
    while (true) {
      long n = count.get();
      if (maxUses >= 0 && n >= maxUses) {
        return -n;
      }
      if (count.compareAndSet(n, n + 1)) {
        return n + 1;
      }
    }
  }

  int size() {
    return counts.size();
  }

  private void sweep(long nowMillis) {
    counts.values().removeIf(count -> count.forgetAtMillis < nowMillis);
  }
}
