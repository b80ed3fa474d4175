package io.tokenwatch.issuer;

/**
 * An event could not be made durable in time. The issuer fails closed: no token whose issuance
 * event is not in the log is handed out; the caller gets {@code temporarily_unavailable}.
 */
public final class EventLogUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public EventLogUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public EventLogUnavailableException(String message) {
    super(message);
  }
}
