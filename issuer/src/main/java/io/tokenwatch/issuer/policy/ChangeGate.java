package io.tokenwatch.issuer.policy;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a valid policy document may come into force, and records it when it does. The
 * {@link PolicyHolder} consults it at start and on every reload, under its lock.
 */
public interface ChangeGate {

  /** What the gate says of one candidate. */
  sealed interface Verdict {
    /** The candidate was recorded and comes into force. */
    record Admit() implements Verdict {}

    /** The candidate waits (for an approval); the policy in force stays. */
    record Hold(String reason) implements Verdict {
      public Hold {
        java.util.Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** A gate that admits every valid document and records nothing. */
  ChangeGate OPEN =
      new ChangeGate() {
        @Override
        public Optional<byte[]> lastInForce(String policyId) {
          return Optional.empty();
        }

        @Override
        public Verdict review(
            @Nullable Policy current, Policy candidate, byte[] document, boolean startup) {
          return new Verdict.Admit();
        }
      };

  /** The document last recorded in force for that policy id, if any: what an issuer starts from. */
  Optional<byte[]> lastInForce(String policyId);

  /**
   * Reviews a valid candidate. Before answering {@link Verdict.Admit} the gate records the change
   * durably; a held candidate is reviewed again on every poll until the file changes.
   *
   * @param current the policy in force, null at a first start
   * @param startup whether the issuer is starting (else a file reload)
   * @throws RuntimeException if the change cannot be recorded: nothing changes, the next poll tries
   *     again
   */
  Verdict review(@Nullable Policy current, Policy candidate, byte[] document, boolean startup);
}
