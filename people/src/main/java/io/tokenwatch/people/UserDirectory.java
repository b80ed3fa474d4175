package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of the users file, re-read when the file changes. Like the issuer's policy, the file is
 * polled (content compared, so files replaced through symlinks count too); a changed file that is
 * invalid is refused with every problem logged and the last good users stay, so a typo never locks
 * everyone out or lets someone in. Thread-safe.
 */
final class UserDirectory implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UserDirectory.class);

  private final @Nullable Path file;
  private volatile Map<String, UsersFile.User> users;
  private byte @Nullable [] lastSeen;
  private @Nullable ScheduledExecutorService watcher;

  private UserDirectory(
      @Nullable Path file, Map<String, UsersFile.User> users, byte @Nullable [] seen) {
    this.file = file;
    this.users = Map.copyOf(users);
    this.lastSeen = seen;
  }

  /**
   * Reads {@code file}.
   *
   * @throws UsersFile.InvalidUsersFileException when it is invalid: nothing starts with one
   * @throws IOException when it cannot be read
   */
  static UserDirectory open(Path file) throws IOException {
    requireNonNull(file, "file");
    byte[] bytes = Files.readAllBytes(file);
    return new UserDirectory(file, UsersFile.parse(file, bytes), bytes);
  }

  /** A directory of nobody: only upstream logins, if any, get in. */
  static UserDirectory empty() {
    return new UserDirectory(null, Map.of(), null);
  }

  Optional<UsersFile.User> user(String userName) {
    return Optional.ofNullable(users.get(userName));
  }

  int size() {
    return users.size();
  }

  /** Re-reads the file when its content changed; what the watcher does on every poll. */
  synchronized void reload() {
    Path path = file;
    if (path == null) {
      return;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      LOG.warn("Users file {} is gone; keeping the {} users read before", path, users.size());
      return;
    } catch (IOException e) {
      LOG.warn("Cannot read users file {}; keeping the users read before", path, e);
      return;
    }
    if (Arrays.equals(bytes, lastSeen)) {
      return;
    }
    lastSeen = bytes;
    try {
      users = Map.copyOf(UsersFile.parse(path, bytes));
      LOG.info("Users file {} reloaded: {} users", path, users.size());
    } catch (UsersFile.InvalidUsersFileException e) {
      LOG.error(
          "Users file {} refused, the users read before stay: {}",
          path,
          String.join("; ", e.problems()));
    }
  }

  synchronized void watch(Duration interval) {
    if (file == null || watcher != null) {
      return;
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "users-file-watcher");
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
      LOG.error("Users file reload failed", e);
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
