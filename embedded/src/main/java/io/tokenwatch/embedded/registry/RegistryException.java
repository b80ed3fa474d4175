package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

/**
 * A request the registry refuses or could not carry out; the message is meant for the caller and
 * never carries internals.
 */
final class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final RegistryError error;

  RegistryException(RegistryError error, String message) {
    super(requireNonNull(message, "message"));
    this.error = requireNonNull(error, "error");
  }

  RegistryException(RegistryError error, String message, Throwable cause) {
    super(requireNonNull(message, "message"), cause);
    this.error = requireNonNull(error, "error");
  }

  RegistryError error() {
    return error;
  }
}
