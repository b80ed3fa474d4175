package io.tokenwatch.schemas.registry;

import org.apache.kafka.common.errors.RetriableException;
import org.jspecify.annotations.Nullable;

/**
 * No schema registry answered usefully after the configured retries: every URL failed to connect or
 * timed out, or the registry kept answering 5xx. The data being (de)serialized is not at fault, so
 * this is a {@link RetriableException}: a Kafka Streams exception handler can tell "registry down,
 * retry later" from "bad bytes, dead-letter the record".
 *
 * <p>Messages never contain credentials.
 */
public class SchemaRegistryUnavailableException extends RetriableException {
  private static final long serialVersionUID = 1L;

  /** Status reported when no HTTP response was received at all. */
  public static final int NO_RESPONSE = -1;

  private final int lastStatus;

  /**
   * Creates the exception.
   *
   * @param lastStatus the last HTTP status received, or {@link #NO_RESPONSE}
   * @param message what was attempted and how it failed; must not contain credentials
   * @param cause the last I/O failure, if any
   */
  public SchemaRegistryUnavailableException(
      int lastStatus, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.lastStatus = lastStatus;
  }

  /** The last HTTP status received, or {@link #NO_RESPONSE} if no registry answered. */
  public int lastStatus() {
    return lastStatus;
  }
}
