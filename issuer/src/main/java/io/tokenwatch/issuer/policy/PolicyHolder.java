package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
 * <p>A valid document then goes through the {@link ChangeGate}, which records it (policy history)
 * or holds it back (a widening change waiting for approval). A held document is reviewed again on
 * every poll, so it comes into force soon after its approval; editing the file drops it. At start,
 * the holder begins from the document the gate last recorded in force, so a widening edit made
 * while the issuer was down is held like any other.
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

    /** The file is valid but the gate holds it back; the previous policy stays in force. */
    record Held(Policy candidate, String reason) implements ReloadResult {}

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
  private final ChangeGate gate;
  private volatile Policy current;
  private volatile @Nullable Policy pending;
  private byte @Nullable [] lastSeen;
  private @Nullable ScheduledExecutorService watcher;

  /**
   * Loads the policy from {@code file}.
   *
   * @throws InvalidPolicyException if the file is invalid: an issuer does not start without one
   * @throws IOException if the file cannot be read
   */
  public PolicyHolder(Path file, PolicyParser parser, Listener listener) throws IOException {
    this(file, parser, listener, ChangeGate.OPEN);
  }

  /**
   * Loads the policy from {@code file} through {@code gate}: the document the gate last recorded is
   * the starting point; the file's comes into force if the gate admits it.
   *
   * @throws InvalidPolicyException if the file is invalid: an issuer does not start without one
   * @throws IOException if the file cannot be read
   * @throws RuntimeException if the gate cannot record the file's document
   */
  public PolicyHolder(Path file, PolicyParser parser, Listener listener, ChangeGate gate)
      throws IOException {
    this.file = requireNonNull(file, "file");
    this.parser = requireNonNull(parser, "parser");
    this.listener = requireNonNull(listener, "listener");
    this.gate = requireNonNull(gate, "gate");
    byte[] bytes = Files.readAllBytes(file);
    Policy candidate = parser.parse(bytes);
    byte[] last = gate.lastInForce(candidate.id()).orElse(null);
    Policy base = null;
    if (last != null && !Arrays.equals(last, bytes)) {
      try {
        base = parser.parse(last);
      } catch (InvalidPolicyException e) {
        // This issuer's settings (e.g. a lower ttl ceiling) refuse the recorded document: the
        // file's then starts as a first policy would.
        LOG.warn(
            "The last recorded policy is not valid here; starting from the file. {}",
            e.getMessage());
      }
    }
    if (last != null && Arrays.equals(last, bytes)) {
      this.current = candidate;
    } else if (gate.review(base, candidate, bytes, true) instanceof ChangeGate.Verdict.Hold hold) {
      if (base == null) {
        throw new IllegalStateException("the gate held the first policy: " + hold.reason());
      }
      this.current = base;
      this.pending = candidate;
    } else {
      this.current = candidate;
    }
    this.lastSeen = bytes;
  }

  /** The policy in force. */
  public Policy current() {
    return current;
  }

  /** The valid document the gate holds back, if any. */
  public Optional<Policy> pending() {
    return Optional.ofNullable(pending);
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
    Policy held = pending;
    if (lastSeen != null && Arrays.equals(bytes, lastSeen)) {
      if (held == null
          || gate.review(current, held, bytes, false) instanceof ChangeGate.Verdict.Hold) {
        return new ReloadResult.Unchanged();
      }
      return admit(held);
    }
    ReloadResult result;
    Policy candidate;
    try {
      candidate = parser.parse(bytes);
    } catch (InvalidPolicyException e) {
      LOG.error(
          "Policy file {} rejected; version {} stays in force. {}",
          file,
          current.version(),
          e.getMessage());
      lastSeen = bytes;
      pending = null;
      result = new ReloadResult.Rejected(e.problems());
      listener.reloaded(result);
      return result;
    }
    if (candidate.version().equals(current.version())) {
      // Back to the document in force, e.g. a held edit undone: nothing comes into force.
      lastSeen = bytes;
      pending = null;
      return new ReloadResult.Unchanged();
    }
    // Recorded before it is in force or remembered as seen: if recording fails, the next poll
    // tries again and the previous policy stays until then.
    ChangeGate.Verdict verdict = gate.review(current, candidate, bytes, false);
    lastSeen = bytes;
    if (verdict instanceof ChangeGate.Verdict.Hold hold) {
      pending = candidate;
      LOG.warn(
          "Policy file {} (version {}) is held back: {}; version {} stays in force",
          file,
          candidate.version(),
          hold.reason(),
          current.version());
      result = new ReloadResult.Held(candidate, hold.reason());
      listener.reloaded(result);
      return result;
    }
    return admit(candidate);
  }

  private ReloadResult admit(Policy loaded) {
    current = loaded;
    pending = null;
    LOG.info("Policy {} version {} in force", loaded.id(), loaded.version());
    ReloadResult result = new ReloadResult.Loaded(loaded);
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
