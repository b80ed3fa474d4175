package io.tokenwatch.schemas.streams;

/**
 * Thrown by a semantic check for an event that decodes but makes no sense; the decoding step turns
 * it into a dead letter.
 */
public class InvalidEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidEventException(String message) {
    super(message);
  }

  public InvalidEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
