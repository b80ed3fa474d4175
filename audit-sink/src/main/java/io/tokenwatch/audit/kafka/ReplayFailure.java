package io.tokenwatch.audit.kafka;

import org.jspecify.annotations.Nullable;

/**
 * A replay could not go on because something it talks to failed or refused: Kafka did not answer in
 * time, the cluster refused to create the target topic, the schema registry could not be reached,
 * or a record was not written. The message says which service, where, and what failed, in one line
 * fit for an operator; it never holds a credential.
 *
 * <p>An {@link IllegalStateException}, so callers that catch a failed publish as one keep working.
 */
public final class ReplayFailure extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public ReplayFailure(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
