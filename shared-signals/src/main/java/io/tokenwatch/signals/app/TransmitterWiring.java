package io.tokenwatch.signals.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.RevocationSignals;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.kafka.KafkaEventOutbox;
import io.tokenwatch.signals.kafka.PushDeliverer;
import io.tokenwatch.signals.kafka.RevocationFanout;
import io.tokenwatch.signals.set.SetSigner;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The transmitter's events and push delivery, started together: the SET signer on the issuer's
 * keys, the outbox on {@code tokenwatch.ssf-events}, the fan-out of revocations, and push delivery.
 */
final class TransmitterWiring implements AutoCloseable {

  private final SharedSignalsConfig config;
  private final SchemaRegistryClient schemaRegistry;
  private final MeterRegistry meters;
  private final Clock clock;
  private final DeliverySettings.Values delivery;
  private final KafkaEventOutbox outbox;
  private final KafkaProducer<byte[], byte[]> bytesProducer;
  private final Deque<AutoCloseable> resources;
  private boolean started;

  private TransmitterWiring(
      SharedSignalsConfig config,
      SchemaRegistryClient schemaRegistry,
      MeterRegistry meters,
      Clock clock,
      DeliverySettings.Values delivery,
      KafkaEventOutbox outbox,
      KafkaProducer<byte[], byte[]> bytesProducer,
      Deque<AutoCloseable> resources) {
    this.config = config;
    this.schemaRegistry = schemaRegistry;
    this.meters = meters;
    this.clock = clock;
    this.delivery = delivery;
    this.outbox = outbox;
    this.bytesProducer = bytesProducer;
    this.resources = resources;
  }

  /** The outbox, also used by stream management for verification and stream-updated events. */
  KafkaEventOutbox outbox() {
    return outbox;
  }

  /**
   * Loads the issuer's keys and opens the outbox; nothing is read yet. Stream management may use
   * {@link #outbox()} from here on.
   *
   * @throws IllegalStateException when the issuer's keys cannot be loaded
   */
  static TransmitterWiring create(
      SharedSignalsConfig config,
      SchemaRegistryClient schemaRegistry,
      MeterRegistry meters,
      Clock clock) {
    requireNonNull(config, "config");
    requireNonNull(schemaRegistry, "schemaRegistry");
    requireNonNull(meters, "meters");
    requireNonNull(clock, "clock");
    DeliverySettings.Values delivery = DeliverySettings.of(config.values());
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      Map<String, Object> kafka = SharedSignalsApp.kafkaSettings(config);
      SetSigner signer =
          new SetSigner(
              SigningKeys.load(config.keysDir(), clock),
              config.issuer(),
              clock,
              delivery.keysReload());
      KafkaProducer<String, byte[]> setProducer =
          new KafkaProducer<>(
              producerSettings(kafka, "tokenwatch-ssf-sets"),
              new StringSerializer(),
              new ByteArraySerializer());
      resources.push(setProducer);
      KafkaEventOutbox outbox =
          new KafkaEventOutbox(
              setProducer, signer, Topics.SIGNAL_EVENTS.name(), Duration.ofSeconds(30), meters);
      KafkaProducer<byte[], byte[]> bytesProducer =
          new KafkaProducer<>(
              producerSettings(kafka, "tokenwatch-ssf-delivery"),
              new ByteArraySerializer(),
              new ByteArraySerializer());
      resources.push(bytesProducer);
      return new TransmitterWiring(
          config, schemaRegistry, meters, clock, delivery, outbox, bytesProducer, resources);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  /**
   * Starts the fan-out of revocations and push delivery.
   *
   * @param streams where the streams are kept
   * @param allSubjectsByDefault SSF {@code default_subjects}: ALL (true) or NONE
   * @param endpointRule the stream endpoint rules, checked before every push
   * @throws IllegalStateException when already started
   */
  synchronized TransmitterWiring start(
      StreamRegistry streams, boolean allSubjectsByDefault, Predicate<URI> endpointRule) {
    requireNonNull(streams, "streams");
    requireNonNull(endpointRule, "endpointRule");
    if (started) {
      throw new IllegalStateException("the transmitter is already started");
    }
    started = true;
    Map<String, Object> kafka = SharedSignalsApp.kafkaSettings(config);
    Map<String, Object> fanoutSettings = new HashMap<>(kafka);
    fanoutSettings.put(ConsumerConfig.GROUP_ID_CONFIG, delivery.fanoutGroupId());
    fanoutSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    fanoutSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    fanoutSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    RevocationFanout fanout =
        new RevocationFanout(
            new KafkaConsumer<>(
                fanoutSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
            AvroSerdes.specific(Revocation.class, schemaRegistry, config.serdeConfig(), false)
                .deserializer(),
            List.of(Topics.REVOCATIONS.name(), Topics.REVOCATION_FAST_PATH.name()),
            new RevocationSignals(config.issuer(), allSubjectsByDefault),
            streams,
            outbox,
            bytesProducer,
            Topics.DEAD_LETTERS.name(),
            meters);
    resources.push(fanout.start());

    Map<String, Object> pushSettings = new HashMap<>(kafka);
    pushSettings.put(ConsumerConfig.GROUP_ID_CONFIG, delivery.pushGroupId());
    PushDeliverer push =
        new PushDeliverer(
            pushSettings,
            new PushDeliverer.Topics(
                Topics.SIGNAL_EVENTS.name(),
                Topics.SIGNAL_DELIVERY.name(),
                Topics.SECURITY_ALERTS.name(),
                Topics.DEAD_LETTERS.name()),
            streams,
            delivery.push(),
            endpointRule,
            bytesProducer,
            AvroSerdes.specific(SecurityAlert.class, schemaRegistry, config.serdeConfig(), false)
                .serializer(),
            clock,
            meters,
            delivery.bufferPerStream(),
            delivery.threads());
    resources.push(push.start());
    return this;
  }

  /** Idempotent, durable producer settings: every SET, cursor and alert is acknowledged by all. */
  static Map<String, Object> producerSettings(Map<String, Object> kafka, String clientId) {
    Map<String, Object> settings = new HashMap<>(kafka);
    settings.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return settings;
  }

  /** Stops the fan-out and push delivery, then the producers. Idempotent. */
  @Override
  public synchronized void close() {
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(TransmitterWiring.class)
            .warn("Closing the transmitter failed: {}", e.toString());
      }
    }
  }
}
