package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.console.ConsoleConfig;
import io.tokenwatch.console.source.AuditClient;
import io.tokenwatch.console.source.IssuerApi;
import io.tokenwatch.console.source.TopicTail;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topic;
import java.time.Clock;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * What every section works with: the configuration, the people gate, the views, the clock, the
 * console's public URL, the issuer (as the person logged in), the audit API (as the console's own
 * client), Kafka and the registry, and the meters.
 */
public final class ConsoleContext {

  private final ConsoleConfig config;
  private final PeopleGate people;
  private final Views views;
  private final Clock clock;
  private final String url;
  private final IssuerApi issuer;
  private final SchemaRegistryClient registry;
  private final MeterRegistry meters;
  private final AuditClient audit;

  public ConsoleContext(
      ConsoleConfig config,
      PeopleGate people,
      Views views,
      Clock clock,
      String url,
      IssuerApi issuer,
      SchemaRegistryClient registry,
      MeterRegistry meters) {
    this.config = requireNonNull(config, "config");
    this.people = requireNonNull(people, "people");
    this.views = requireNonNull(views, "views");
    this.clock = requireNonNull(clock, "clock");
    this.url = requireNonNull(url, "url");
    this.issuer = requireNonNull(issuer, "issuer");
    this.registry = requireNonNull(registry, "registry");
    this.meters = requireNonNull(meters, "meters");
    this.audit =
        new AuditClient(
            config.auditUrl(),
            config.issuerUrl(),
            config.clientId(),
            config.clientSecretFile().orElse(null),
            clock);
  }

  public ConsoleConfig config() {
    return config;
  }

  public PeopleGate people() {
    return people;
  }

  public Views views() {
    return views;
  }

  public Clock clock() {
    return clock;
  }

  /** The console's URL as browsers reach it. */
  public String url() {
    return url;
  }

  public IssuerApi issuer() {
    return issuer;
  }

  public SchemaRegistryClient registry() {
    return registry;
  }

  public MeterRegistry meters() {
    return meters;
  }

  /** The audit sink's query API, read with the console's own client. */
  public AuditClient audit() {
    return audit;
  }

  /**
   * Follows a catalogue topic of Avro values from its last {@code lookback} records per partition;
   * the caller closes the tail (in its section's {@code close}).
   */
  public <V extends SpecificRecord> TopicTail<V> tail(
      Topic<String, V> topic,
      long lookback,
      Consumer<ConsumerRecord<String, @Nullable V>> onRecord) {
    return TopicTail.start(
        config.kafkaClientConfig(),
        topic.name(),
        AvroSerdes.specific(topic.valueType(), registry, config.serdeConfig(), false)
            .deserializer(),
        lookback,
        onRecord);
  }
}
