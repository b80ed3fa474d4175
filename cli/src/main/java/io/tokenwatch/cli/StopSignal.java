package io.tokenwatch.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running command alive until Ctrl-C, SIGTERM or {@link #requestStop()}, and makes the
 * JVM's shutdown wait until the command has closed what it opened (bounded at 30 s).
 */
final class StopSignal {

  private static final Logger log = LoggerFactory.getLogger(StopSignal.class);

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile long stopping;

  /** What a command does while it runs; closing its resources happens before this returns. */
  interface Body {
    void run(StopSignal signal) throws Exception;
  }

  /** Runs {@code body}, which is expected to call {@link #await()} once it is ready. */
  int run(Body body) throws Exception {
    Thread hook = new Thread(this::stopAndWait, "tokenwatch-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      body.run(this);
      return 0;
    } finally {
      if (stopping != 0) {
        log.info("Shut down in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
      }
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting and the hook is running; nothing to remove.
      }
    }
  }

  /** Blocks until a stop is requested. */
  void await() {
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopping = System.nanoTime();
    log.info("Shutting down");
  }

  /** Stops the command the way Ctrl-C would. */
  void requestStop() {
    stopRequested.countDown();
  }

  private void stopAndWait() {
    stopRequested.countDown();
    try {
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        log.warn("Clean shutdown did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
