package io.tokenwatch.signals.stream;

/** A request that cannot be accepted as it is; the message says why without quoting it. */
final class InvalidRequest extends RuntimeException {

  private static final long serialVersionUID = 1L;

  InvalidRequest(String message) {
    super(message, null, false, false);
  }
}
