package io.tokenwatch.signals.stream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The limits and defaults of stream management.
 *
 * @param defaultSubjects which subjects a new stream carries events for, as the metadata says
 * @param maxPerReceiver how many streams one receiver (client id) may have
 * @param maxSubjects how many subjects one stream may hold
 * @param minVerificationInterval the least time between two verification requests of a stream
 */
public record StreamLimits(
    DefaultSubjects defaultSubjects,
    int maxPerReceiver,
    int maxSubjects,
    Duration minVerificationInterval) {

  public StreamLimits {
    requireNonNull(defaultSubjects, "defaultSubjects");
    requireNonNull(minVerificationInterval, "minVerificationInterval");
    if (maxPerReceiver < 1) {
      throw new IllegalArgumentException("maxPerReceiver must be at least 1");
    }
    if (maxSubjects < 1) {
      throw new IllegalArgumentException("maxSubjects must be at least 1");
    }
    if (minVerificationInterval.isNegative()) {
      throw new IllegalArgumentException("minVerificationInterval must not be negative");
    }
  }
}
