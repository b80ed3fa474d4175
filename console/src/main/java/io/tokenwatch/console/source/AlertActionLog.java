package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.console.alerts.AlertAct;
import io.tokenwatch.events.AlertAction;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes what people do about alerts to {@code tokenwatch.alert-actions}, keyed by alert id: an
 * idempotent producer with {@code acks=all}, and {@link #append} returns only once the broker has
 * the event, so an act the page confirms is durable. Thread-safe.
 */
public final class AlertActionLog implements AutoCloseable {

  private final KafkaProducer<String, AlertAction> producer;
  private final Duration timeout;

  /**
   * @param kafka the Kafka client settings (brokers, security)
   * @param values encodes the events (Confluent wire format)
   * @param timeout how long one append may take
   */
  public AlertActionLog(
      Map<String, Object> kafka, Serializer<AlertAction> values, Duration timeout) {
    requireNonNull(kafka, "kafka");
    requireNonNull(values, "values");
    this.timeout = requireNonNull(timeout, "timeout");
    Map<String, Object> config = new HashMap<>(kafka);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    // A person waits for each act: send at once, and leave room in the delivery timeout for a
    // retried request (the producer requires delivery >= linger + request timeout).
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeout.toMillis() / 2));
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-console-alert-actions");
    this.producer = new KafkaProducer<>(config, new StringSerializer(), values);
  }

  /**
   * Appends {@code act}.
   *
   * @throws AppendFailedException when the broker did not take it within the timeout
   */
  public void append(AlertAct act) {
    requireNonNull(act, "act");
    try {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.ALERT_ACTIONS.name(), act.alertId(), AlertEvents.event(act)))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AppendFailedException("Kafka refused the alert action: " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new AppendFailedException(
          "Kafka did not take the alert action within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AppendFailedException("interrupted while writing the alert action", e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(2));
  }

  /** The act is not known to be written: the page says so, and the person may try again. */
  public static final class AppendFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AppendFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
