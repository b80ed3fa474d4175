package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * One event to write: topic, key, value and its time (the record timestamp, equal to the event's
 * {@code occurred_at}).
 */
public record Input(String topic, String key, SpecificRecord value, Instant at) {
  public Input {
    requireNonNull(topic, "topic");
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    requireNonNull(at, "at");
  }
}
