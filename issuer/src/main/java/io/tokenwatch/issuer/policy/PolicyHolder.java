package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the policy in force and reloads it when its file changes. A changed file is validated in
 * full; an invalid one is rejected with every problem logged, and the last good policy stays in
 * force, so a typo never opens or closes access by accident.
 *
 * <p>The file is polled (content compared, not timestamps) rather than watched with a {@code
 * WatchService}: polling also sees files replaced through symlinks, as Kubernetes config maps do,
 * and on file systems that deliver no events.
 *
 * <p>Thread-safe: {@link #current()} is a volatile read, cheap on every request.
 */
public final class PolicyHolder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyHolder.class);

  /** What one reload attempt did. */
  public sealed interface ReloadResult {
    /** The file is unchanged since the last attempt. */
    record Unchanged() implements ReloadResult {}

    /** A new policy is in force. */
    record Loaded(Policy policy) implements ReloadResult {}

    /** The file was refused; the previous policy stays in force. */
    record Rejected(List<String> problems) implements ReloadResult {
      public Rejected {
        problems = List.copyOf(problems);
      }
    }
  }

  /** Told about every reload that changed something (for metrics). */
  public interface Listener {
    void reloaded(ReloadResult result);
  }

  private final Path file;
  private final PolicyParser parser;
  private final Listener listener;
  private volatile Policy current;
  private byte @Nullable [] lastSeen;
  private @Nullable ScheduledExecutorService watcher;

  /**
   * Loads the policy from {@code file}.
   *
   * @throws InvalidPolicyException if the file is invalid: an issuer does not start without one
   * @throws IOException if the file cannot be read
   */
  public PolicyHolder(Path file, PolicyParser parser, Listener listener) throws IOException {
    this.file = requireNonNull(file, "file");
    this.parser = requireNonNull(parser, "parser");
    this.listener = requireNonNull(listener, "listener");
    byte[] bytes = Files.readAllBytes(file);
    this.current = parser.parse(bytes);
    this.lastSeen = bytes;
  }

  /** The policy in force. */
  public Policy current() {
    return current;
  }

  /** Re-reads the file now; what the watcher does on every poll. */
  public synchronized ReloadResult reload() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      // A file being replaced can be briefly missing; the next poll sees the new one.
      LOG.warn(
          "Cannot read policy file {}: {}; keeping policy version {}",
          file,
          e.getMessage(),
          current.version());
      return new ReloadResult.Unchanged();
    }
    if (lastSeen != null && Arrays.equals(bytes, lastSeen)) {
      return new ReloadResult.Unchanged();
    }
    lastSeen = bytes;
    ReloadResult result;
    try {
      Policy loaded = parser.parse(bytes);
      current = loaded;
      LOG.info("Policy {} version {} in force", loaded.id(), loaded.version());
      result = new ReloadResult.Loaded(loaded);
    } catch (InvalidPolicyException e) {
      LOG.error(
          "Policy file {} rejected; version {} stays in force. {}",
          file,
          current.version(),
          e.getMessage());
      result = new ReloadResult.Rejected(e.problems());
    }
    listener.reloaded(result);
    return result;
  }

  /** Polls the file every {@code interval} until {@link #close()}. */
  public synchronized void watch(Duration interval) {
    if (watcher != null) {
      throw new IllegalStateException("already watching");
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "policy-watcher");
              thread.setDaemon(true);
              return thread;
            });
    var unused =
        executor.scheduleWithFixedDelay(
            this::reloadQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    watcher = executor;
  }

  private void reloadQuietly() {
    try {
      reload();
    } catch (RuntimeException e) {
      LOG.error("Policy reload failed unexpectedly; keeping version {}", current.version(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.shutdownNow();
      watcher = null;
    }
  }
}
