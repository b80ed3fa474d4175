package io.tokenwatch.embedded.kafka;

/**
 * The embedded broker could not start or stop. The message names the cause an operator can act on
 * (a port in use, an unusable data directory, a data directory held by another broker).
 */
public final class EmbeddedKafkaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EmbeddedKafkaException(String message) {
    super(message);
  }

  EmbeddedKafkaException(String message, Throwable cause) {
    super(message, cause);
  }
}
