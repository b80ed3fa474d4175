package io.tokenwatch.signals.app;

import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.signals.stream.DefaultSubjects;
import io.tokenwatch.signals.stream.StreamLimits;
import java.time.Duration;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;

/** How streams may be created and changed: limits and which receiver endpoints are accepted. */
final class StreamSettings {

  static final String DEFAULT_SUBJECTS = "signals.streams.default-subjects";
  static final String REQUIRE_HTTPS = "signals.streams.require-https";
  static final String ALLOW_PRIVATE_ENDPOINTS = "signals.streams.allow-private-endpoints";
  static final String MAX_PER_RECEIVER = "signals.streams.max-per-receiver";
  static final String MAX_SUBJECTS = "signals.streams.max-subjects";
  static final String MAX_REQUEST_BYTES = "signals.streams.max-request-bytes";
  static final String MIN_VERIFICATION_INTERVAL_MS = "signals.streams.min-verification-interval-ms";

  /**
   * The typed values.
   *
   * @param limits the stream limits
   * @param requireHttps whether push endpoints must be https
   * @param allowPrivateEndpoints whether push endpoints may be on non-public addresses
   * @param maxRequestBytes the largest stream management request body
   */
  record Values(
      StreamLimits limits,
      boolean requireHttps,
      boolean allowPrivateEndpoints,
      int maxRequestBytes) {}

  private StreamSettings() {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def.define(
            DEFAULT_SUBJECTS,
            ConfigDef.Type.STRING,
            "ALL",
            ConfigDef.ValidString.in("ALL", "NONE"),
            Importance.MEDIUM,
            "Whether a new stream carries events for every subject (ALL) or only for the subjects"
                + " its receiver adds (NONE); published as default_subjects.")
        .define(
            REQUIRE_HTTPS,
            ConfigDef.Type.BOOLEAN,
            true,
            Importance.HIGH,
            "Whether push endpoints must be https URLs; false only on one machine.")
        .define(
            ALLOW_PRIVATE_ENDPOINTS,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.HIGH,
            "Whether push endpoints may be or resolve to loopback, private, link-local or other"
                + " non-public addresses; false outside one machine and tests.")
        .define(
            MAX_PER_RECEIVER,
            ConfigDef.Type.INT,
            10,
            ConfigDef.Range.between(1, 10_000),
            Importance.MEDIUM,
            "How many streams one receiver (client id) may have; one more is refused with 409.")
        .define(
            MAX_SUBJECTS,
            ConfigDef.Type.INT,
            10_000,
            ConfigDef.Range.between(1, 1_000_000),
            Importance.MEDIUM,
            "How many subjects one stream may hold; one more is refused with 409.")
        .define(
            MAX_REQUEST_BYTES,
            ConfigDef.Type.INT,
            64 * 1024,
            ConfigDef.Range.between(1024, 1024 * 1024),
            Importance.LOW,
            "The largest stream management request body, in bytes; a larger one is refused with"
                + " 413.")
        .define(
            MIN_VERIFICATION_INTERVAL_MS,
            ConfigDef.Type.LONG,
            30_000L,
            ConfigDef.Range.between(0, 86_400_000L),
            Importance.LOW,
            "The least time between two verification requests of one stream, in milliseconds;"
                + " sooner is refused with 429. Published as min_verification_interval (seconds).");
  }

  /** The typed values of {@code values}. */
  static Values of(ConfigValues values) {
    return new Values(
        new StreamLimits(
            DefaultSubjects.valueOf(values.string(DEFAULT_SUBJECTS)),
            values.intValue(MAX_PER_RECEIVER),
            values.intValue(MAX_SUBJECTS),
            Duration.ofMillis(values.longValue(MIN_VERIFICATION_INTERVAL_MS))),
        values.bool(REQUIRE_HTTPS),
        values.bool(ALLOW_PRIVATE_ENDPOINTS),
        values.intValue(MAX_REQUEST_BYTES));
  }
}
