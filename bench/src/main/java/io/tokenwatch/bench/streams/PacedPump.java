package io.tokenwatch.bench.streams;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that calls {@code send} at a rate that can change while it runs (0: as fast as it can),
 * and counts what it sent. Pacing is checked every 500 sends against the schedule since the last
 * rate change, so the achieved rate is the offered one unless the sender cannot keep up.
 */
public final class PacedPump implements AutoCloseable {

  private final Runnable send;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private volatile long rate;
  private final AtomicLong generation = new AtomicLong();
  private volatile boolean running = true;

  /**
   * Starts sending at {@code rate} per second.
   *
   * @param send sends one record; called on the pump's own thread only
   */
  public PacedPump(Runnable send, long rate) {
    this.send = requireNonNull(send, "send");
    this.rate = rate;
    this.thread = new Thread(this::pump, "bench-producer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Changes the rate from now on. */
  public void rate(long perSecond) {
    rate = perSecond;
    generation.incrementAndGet();
  }

  /** Records sent so far. */
  public long sent() {
    return sent.get();
  }

  private void pump() {
    long seenGeneration = -1;
    long start = 0;
    long n = 0;
    while (running) {
      long current = generation.get();
      if (seenGeneration != current) {
        seenGeneration = current;
        start = System.nanoTime();
        n = 0;
      }
      send.run();
      sent.incrementAndGet();
      n++;
      long perSecond = rate;
      if (perSecond > 0 && n % 500 == 0) {
        long ahead = start + n * 1_000_000_000L / perSecond - System.nanoTime();
        if (ahead > 0) {
          LockSupport.parkNanos(ahead);
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(TimeUnit.SECONDS.toMillis(10));
  }
}
