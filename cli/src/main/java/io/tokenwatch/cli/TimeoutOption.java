package io.tokenwatch.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --timeout}: the bound on each call a command makes to a service, for the commands that
 * make any (the audit API with {@code --url}; replay's Kafka and schema registry calls).
 */
final class TimeoutOption {
  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      paramLabel = "DURATION",
      description =
          "How long to wait for a service (ISO-8601): each request to the audit API (--url); for"
              + " replay each Kafka and schema registry call, and a Kafka replay that stops"
              + " progressing. Default: ${DEFAULT-VALUE}.")
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
