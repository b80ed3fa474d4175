package io.tokenwatch.signals.app;

import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.signals.PollDelivery;
import io.tokenwatch.signals.http.PollEndpoint;
import java.time.Duration;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;

/** Poll delivery (RFC 8936): how much one poll may ask for and send, and how long it waits. */
final class PollSettings {

  static final String MAX_EVENTS = "signals.poll.max-events";
  static final String DEFAULT_MAX_EVENTS = "signals.poll.default-max-events";
  static final String MAX_WAIT_MS = "signals.poll.max-wait-ms";
  static final String MAX_WAITING = "signals.poll.max-waiting";
  static final String MAX_ACKS = "signals.poll.max-acks";
  static final String MAX_BODY_BYTES = "signals.poll.max-body-bytes";
  static final String KAFKA_TIMEOUT_MS = "signals.poll.kafka-timeout-ms";

  private PollSettings() {}

  /**
   * The typed values.
   *
   * @param delivery what a poll may ask for and how long it waits
   * @param limits what one request may carry
   * @param kafkaTimeout how long one Kafka read or write of a poll may take
   */
  record Values(
      PollDelivery.Settings delivery, PollEndpoint.Limits limits, Duration kafkaTimeout) {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def.define(
            MAX_EVENTS,
            ConfigDef.Type.INT,
            1000,
            Range.between(1, 10_000),
            Importance.MEDIUM,
            "The most SETs one poll may ask for (maxEvents); a poll asking for more is refused.")
        .define(
            DEFAULT_MAX_EVENTS,
            ConfigDef.Type.INT,
            100,
            Range.between(0, 10_000),
            Importance.LOW,
            "The most SETs a poll gets when it does not send maxEvents; at most "
                + MAX_EVENTS
                + ".")
        .define(
            MAX_WAIT_MS,
            ConfigDef.Type.LONG,
            30_000L,
            Range.between(0, 300_000),
            Importance.MEDIUM,
            "How long a poll without returnImmediately waits for a SET before it is answered"
                + " with none, in milliseconds.")
        .define(
            MAX_WAITING,
            ConfigDef.Type.INT,
            64,
            Range.between(0, 10_000),
            Importance.LOW,
            "The most polls waiting for SETs at once on one instance; further polls are answered"
                + " at once, so waiting polls never hold every thread of the HTTP server.")
        .define(
            MAX_ACKS,
            ConfigDef.Type.INT,
            1000,
            Range.between(1, 100_000),
            Importance.LOW,
            "The most jtis one poll may carry in ack and setErrs together.")
        .define(
            MAX_BODY_BYTES,
            ConfigDef.Type.INT,
            262_144,
            Range.between(1024, 16_777_216),
            Importance.LOW,
            "The largest poll request body accepted, in bytes; larger ones are refused with 413.")
        .define(
            KAFKA_TIMEOUT_MS,
            ConfigDef.Type.LONG,
            10_000L,
            Range.between(100, 120_000),
            Importance.LOW,
            "How long one read of a stream's SETs or one write of its delivery state may take"
                + " before the poll is answered 503, in milliseconds.");
  }

  /**
   * The typed values of {@code values}.
   *
   * @throws ConfigException when the default exceeds the bound
   */
  static Values of(ConfigValues values) {
    int maxEvents = values.intValue(MAX_EVENTS);
    int defaultMaxEvents = values.intValue(DEFAULT_MAX_EVENTS);
    if (defaultMaxEvents > maxEvents) {
      throw new ConfigException(
          DEFAULT_MAX_EVENTS, defaultMaxEvents, "must not be above " + MAX_EVENTS);
    }
    return new Values(
        new PollDelivery.Settings(
            maxEvents,
            Duration.ofMillis(values.longValue(MAX_WAIT_MS)),
            values.intValue(MAX_WAITING)),
        new PollEndpoint.Limits(
            values.intValue(MAX_BODY_BYTES), values.intValue(MAX_ACKS), defaultMaxEvents),
        Duration.ofMillis(values.longValue(KAFKA_TIMEOUT_MS)));
  }
}
