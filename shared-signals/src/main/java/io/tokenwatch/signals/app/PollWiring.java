package io.tokenwatch.signals.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.PollDelivery;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.http.PollAuthentication;
import io.tokenwatch.signals.http.PollEndpoint;
import io.tokenwatch.signals.kafka.PollDeadLetters;
import io.tokenwatch.signals.kafka.PollEventLog;
import io.tokenwatch.signals.kafka.PollStateLog;
import java.util.Deque;
import java.util.Map;

/** Starts poll delivery: the SET queues, the delivery states, the dead letters and the endpoint. */
final class PollWiring {

  private PollWiring() {}

  /**
   * Starts the Kafka clients of poll delivery, pushing each onto {@code resources} to be closed,
   * and returns the endpoint to add to the HTTP server.
   */
  static PollEndpoint start(
      SharedSignalsConfig config,
      StreamRegistry streams,
      PollAuthentication receivers,
      MeterRegistry meters,
      Deque<AutoCloseable> resources) {
    PollSettings.Values settings = PollSettings.of(config.values());
    Map<String, Object> kafka = SharedSignalsApp.kafkaSettings(config);
    PollEventLog queue =
        new PollEventLog(kafka, Topics.SIGNAL_EVENTS.name(), settings.kafkaTimeout());
    resources.push(queue);
    PollStateLog states =
        new PollStateLog(kafka, Topics.SIGNAL_DELIVERY.name(), settings.kafkaTimeout());
    resources.push(states);
    PollDeadLetters deadLetters =
        new PollDeadLetters(
            kafka,
            Topics.DEAD_LETTERS.name(),
            Topics.SIGNAL_EVENTS.name(),
            queue::partitionOf,
            settings.kafkaTimeout());
    resources.push(deadLetters);
    PollDelivery delivery =
        new PollDelivery(
            streams,
            queue,
            states,
            deadLetters,
            settings.delivery(),
            meters,
            java.time.Clock.systemUTC());
    return new PollEndpoint(delivery, receivers, settings.limits());
  }
}
