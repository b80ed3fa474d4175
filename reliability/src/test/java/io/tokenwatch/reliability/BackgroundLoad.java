package io.tokenwatch.reliability;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A fault test's producer thread: counts the records it sent and those the broker acknowledged,
 * keeps the first failure, and stops when closed. What it produces is the test's {@link Body}.
 */
final class BackgroundLoad implements AutoCloseable {

  /** What the thread produces; it checks {@link #stopped()} between records. */
  interface Body {
    void run(BackgroundLoad load) throws Exception;
  }

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
  private final Thread thread;
  private volatile boolean done;
  private volatile boolean stopped;

  BackgroundLoad(String name, Body body) {
    thread =
        new Thread(
            () -> {
              try {
                body.run(this);
                done = !stopped;
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                failure.set(e);
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }

  boolean stopped() {
    return stopped;
  }

  void sentOne() {
    sent.incrementAndGet();
  }

  void acknowledgedOne() {
    acknowledged.incrementAndGet();
  }

  /** An asynchronous failure (a send callback); the first one is kept. */
  void failed(Throwable e) {
    failure.compareAndSet(null, e);
  }

  long sent() {
    return sent.get();
  }

  long acknowledged() {
    return acknowledged.get();
  }

  /** Whether the body ran to its end without being stopped. */
  boolean done() {
    return done;
  }

  @Nullable Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    stopped = true;
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
