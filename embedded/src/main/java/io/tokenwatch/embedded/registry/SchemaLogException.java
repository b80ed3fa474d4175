package io.tokenwatch.embedded.registry;

/** The registry's log could not be read or written; the change asked for was not made. */
final class SchemaLogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SchemaLogException(String message, Throwable cause) {
    super(message, cause);
  }
}
