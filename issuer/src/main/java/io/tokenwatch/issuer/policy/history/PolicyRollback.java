package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.InvalidPolicyException;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Restores an earlier version: writes its document back to the policy file atomically (a temporary
 * file in the same directory, then a move over the file), and has the holder load it at once. The
 * rollback is itself a new version (source ROLLBACK, author the person, {@code rolled_back_to} the
 * version); history is never rewritten. A rollback that widens access past the approval threshold
 * waits for approval like any other change. Thread-safe (one rollback at a time).
 */
public final class PolicyRollback {

  /** What a rollback did. */
  public sealed interface Outcome {
    /** The version's document is in force again, recorded as {@code recorded}. */
    record RolledBack(PolicyVersion recorded) implements Outcome {}

    /** The document is in the file but waits for approval. */
    record AwaitingApproval(PolicyHistory.PendingChange pending) implements Outcome {}

    /** No such version in the history. */
    record UnknownVersion(long version) implements Outcome {}

    /** That version's document is already the policy in force. */
    record AlreadyInForce(long version) implements Outcome {}

    /** The version's document is not valid under this issuer's settings; nothing was changed. */
    record Invalid(long version, List<String> problems) implements Outcome {
      public Invalid {
        problems = List.copyOf(problems);
      }
    }
  }

  private final PolicyHistory history;
  private final PolicyHolder holder;
  private final PolicyParser parser;
  private final Path file;

  public PolicyRollback(
      PolicyHistory history, PolicyHolder holder, PolicyParser parser, Path file) {
    this.history = requireNonNull(history, "history");
    this.holder = requireNonNull(holder, "holder");
    this.parser = requireNonNull(parser, "parser");
    this.file = requireNonNull(file, "file");
  }

  /**
   * Rolls back to {@code version} on behalf of {@code author}.
   *
   * @throws IOException if the policy file cannot be written
   * @throws RuntimeException if the change cannot be recorded (the file then holds the document and
   *     the holder retries on its next poll)
   */
  public synchronized Outcome rollback(long version, String author) throws IOException {
    requireNonNull(author, "author");
    String policyId = holder.current().id();
    PolicyVersion target = history.version(policyId, version).orElse(null);
    if (target == null) {
      return new Outcome.UnknownVersion(version);
    }
    if (holder.current().version().equals(target.digest())) {
      return new Outcome.AlreadyInForce(version);
    }
    byte[] document = target.document().getBytes(StandardCharsets.UTF_8);
    try {
      parser.parse(document);
    } catch (InvalidPolicyException e) {
      return new Outcome.Invalid(version, e.problems());
    }
    history.expectRollback(target.digest(), author, version);
    Path directory = file.toAbsolutePath().getParent();
    Path temporary = Files.createTempFile(directory, ".policy-rollback-", ".tmp");
    try {
      Files.write(temporary, document);
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
    holder.reload();
    if (holder.current().version().equals(target.digest())) {
      return new Outcome.RolledBack(
          history
              .latest(policyId)
              .filter(v -> v.digest().equals(target.digest()))
              .orElseThrow(() -> new IllegalStateException("rollback in force but not recorded")));
    }
    return history
        .pending()
        .filter(p -> p.digest().equals(target.digest()))
        .<Outcome>map(Outcome.AwaitingApproval::new)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "the policy file changed during the rollback; version "
                        + holder.current().version()
                        + " is in force"));
  }
}
