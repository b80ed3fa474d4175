package io.tokenwatch.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --timeout}: the bound on each call a command makes to a service (the audit API with {@code
 * --url}, replay's Kafka and schema registry calls, the issuer's key rotation); each command's
 * description says what it bounds.
 */
final class TimeoutOption {
  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      paramLabel = "DURATION",
      description =
          "How long to wait for a service (ISO-8601), to connect and to answer each call."
              + " Default: ${DEFAULT-VALUE}.")
  Duration timeout = Duration.ofSeconds(30);

  /**
   * The bound on each call to a service.
   *
   * @throws IllegalArgumentException if it is not positive
   */
  Duration timeout() {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive, was " + timeout);
    }
    return timeout;
  }
}
