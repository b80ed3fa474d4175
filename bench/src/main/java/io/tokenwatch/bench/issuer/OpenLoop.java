package io.tokenwatch.bench.issuer;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One open-loop run: request {@code i} is due at {@code start + i / rate}, whatever happened to the
 * requests before it, and its latency is counted from that intended time, not from when it was
 * actually sent. {@code connections} workers each hold one connection and claim the next due
 * request when they are free; when every connection is busy (a stalled or saturated server), due
 * requests wait, and the wait is in their latency. A closed-loop client would instead send less
 * while the server stalls and record only the one slow request (coordinated omission).
 *
 * <p>Requests still unsent when {@code duration + drain} has passed since the start are not sent
 * and are counted as {@code not_sent} errors, so a run against a server far past its capacity ends.
 *
 * <p>Not thread-safe: one run at a time. The {@link Ticker} is injected so that a test can drive
 * time.
 */
final class OpenLoop {

  /** Longest latency recorded exactly; longer ones are recorded as this value. */
  static final long MAX_RECORDED_NANOS = TimeUnit.MINUTES.toNanos(10);

  static final String NOT_SENT = "not_sent";

  /** Time source and pacing: {@code System.nanoTime()} and a sleep in real runs. */
  interface Ticker {
    long nanoTime();

    /** Returns at or after {@code deadline} (in {@link #nanoTime()}'s scale). */
    void sleepUntil(long deadline) throws InterruptedException;

    Ticker SYSTEM =
        new Ticker() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleepUntil(long deadline) throws InterruptedException {
            long wait = deadline - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a condition
            }
          }
        };
  }

  /** One client connection; used by one worker thread only. */
  interface Connection extends AutoCloseable {
    /**
     * Sends one request and reads its whole answer.
     *
     * @return {@code null} when the answer is the expected one, else the kind of error (e.g. {@code
     *     http_503}, {@code timeout}, {@code connect_failed})
     */
    @org.jspecify.annotations.Nullable
    String exchange() throws InterruptedException;

    @Override
    void close();
  }

  /** Opens a connection for a worker. */
  interface Connector {
    Connection open() throws IOException;
  }

  /**
   * What one run measured.
   *
   * @param latency latencies (ns, from the intended send time) of the requests answered as expected
   * @param errors failed requests by kind
   * @param elapsedNanos from the first intended send time to the last answer
   */
  record Result(
      double offeredRate,
      long scheduled,
      Histogram latency,
      Map<String, Long> errors,
      long elapsedNanos) {
    Result {
      requireNonNull(latency, "latency");
      errors = Map.copyOf(new TreeMap<>(errors));
    }

    long ok() {
      return latency.getTotalCount();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Requests answered as expected per second, over the run's elapsed time. */
    double achievedRate() {
      return elapsedNanos <= 0 ? 0 : ok() * 1e9 / elapsedNanos;
    }

    double percentileMillis(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1e6;
    }

    double maxMillis() {
      return latency.getMaxValue() / 1e6;
    }
  }

  private final Ticker ticker;
  private final Connector connector;
  private final int connections;

  OpenLoop(Ticker ticker, Connector connector, int connections) {
    this.ticker = requireNonNull(ticker, "ticker");
    this.connector = requireNonNull(connector, "connector");
    if (connections < 1) {
      throw new IllegalArgumentException("connections must be at least 1: " + connections);
    }
    this.connections = connections;
  }

  /**
   * Runs {@code rate * duration} requests at {@code rate} per second and returns when every one was
   * answered or given up.
   */
  Result run(double rate, long durationNanos, long drainNanos) throws InterruptedException {
    if (!(rate > 0)) {
      throw new IllegalArgumentException("rate must be positive: " + rate);
    }
    long total = (long) Math.floor(rate * durationNanos / 1e9);
    double interval = 1e9 / rate;
    long start = ticker.nanoTime();
    long giveUp = start + durationNanos + drainNanos;
    AtomicLong next = new AtomicLong();
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      workers.add(new Worker(next, total, start, interval, giveUp));
    }
    if (connections == 1) {
      workers.get(0).run(); // on the caller's thread: deterministic under a test's ticker
    } else {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < workers.size(); i++) {
        Thread thread = new Thread(workers.get(i), "load-" + i);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
      try {
        for (Thread thread : threads) {
          thread.join();
        }
      } finally {
        threads.forEach(Thread::interrupt);
      }
    }
    Histogram latency = newHistogram();
    Map<String, Long> errors = new TreeMap<>();
    long lastAnswer = start;
    for (Worker worker : workers) {
      if (worker.failure != null) {
        throw new IllegalStateException("load worker failed", worker.failure);
      }
      latency.add(worker.latency);
      worker.errors.forEach((kind, count) -> errors.merge(kind, count, Long::sum));
      lastAnswer = Math.max(lastAnswer, worker.lastAnswer);
    }
    return new Result(rate, total, latency, errors, lastAnswer - start);
  }

  static Histogram newHistogram() {
    return new Histogram(MAX_RECORDED_NANOS, 3);
  }

  private final class Worker implements Runnable {
    private final AtomicLong next;
    private final long total;
    private final long start;
    private final double interval;
    private final long giveUp;
    final Histogram latency = newHistogram();
    final Map<String, Long> errors = new TreeMap<>();
    long lastAnswer;
    @org.jspecify.annotations.Nullable Throwable failure;

    Worker(AtomicLong next, long total, long start, double interval, long giveUp) {
      this.next = next;
      this.total = total;
      this.start = start;
      this.interval = interval;
      this.giveUp = giveUp;
      this.lastAnswer = start;
    }

    @Override
    public void run() {
      Connection connection = null;
      try {
        for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
          long intended = start + (long) (i * interval);
          ticker.sleepUntil(intended);
          if (ticker.nanoTime() - giveUp > 0) {
            errors.merge(NOT_SENT, 1L, Long::sum);
            continue;
          }
          String error;
          if (connection == null) {
            try {
              connection = connector.open();
            } catch (IOException e) {
              connection = null;
            }
          }
          error = connection == null ? "connect_failed" : connection.exchange();
          long answered = ticker.nanoTime();
          lastAnswer = Math.max(lastAnswer, answered);
          if (error == null) {
            latency.recordValue(Math.min(MAX_RECORDED_NANOS, Math.max(0, answered - intended)));
          } else {
            errors.merge(error, 1L, Long::sum);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        failure = e;
      } finally {
        if (connection != null) {
          connection.close();
        }
      }
    }
  }
}
