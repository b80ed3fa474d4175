package io.tokenwatch.anomaly.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.scenarios.Attack;
import io.tokenwatch.anomaly.scenarios.Attacks;
import io.tokenwatch.anomaly.scenarios.Expected;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.anomaly.scenarios.NormalWorkload;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The scenario suite on the real broker: a normal workload of at least 100,000 events with every
 * attack hidden in it raises exactly the attacks' alerts; then a replay over the same time range
 * raises the same alerts (ids and evidence) on its own topic. Poison records among the inputs go to
 * the dead-letter topic, once each, and change nothing else.
 */
@KafkaIntegrationTest
class AnomalyDetectorIntegrationTest {

  @Test
  void shouldRaiseExactlyTheAttacksAlertsLiveAndTheSameAlertsInAReplay(TestCluster cluster)
      throws Exception {
    Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES);
    List<Input> inputs = new ArrayList<>(NormalWorkload.generate(5, 100_000, start));
    List<Expected> expected = new ArrayList<>();
    for (Attack attack : Attacks.all(13, start)) {
      inputs.addAll(attack.inputs());
      expected.addAll(attack.expected());
    }
    inputs.sort(Comparator.comparing(Input::at));
    SerdeConfig serdes =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());

    Map<String, Object> settings = new HashMap<>(Attacks.settings());
    settings.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(AnomalyDetectorConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put(AnomalyDetectorConfig.APPLICATION_ID, "it-anomaly-" + UUID.randomUUID());
    settings.put(
        AnomalyDetectorConfig.STATE_DIR, Files.createTempDirectory("anomaly-it").toString());
    settings.put(AnomalyDetectorConfig.HTTP_PORT, 0);
    String liveTopic = "it-alerts-" + UUID.randomUUID();
    settings.put(AnomalyDetectorConfig.OUTPUT_TOPIC, liveTopic);
    AnomalyDetectorConfig config = AnomalyDetectorConfig.of(settings);

    String marker = UUID.randomUUID().toString();
    Instant poisonAt = inputs.get(inputs.size() / 2).at();
    List<ProducerRecord<byte[], byte[]>> poison =
        List.of(
            raw(Topics.TOKEN_USED.name(), poisonAt, ("not avro " + marker).getBytes(UTF_8)),
            raw(Topics.TOKEN_ISSUED.name(), poisonAt, unknownSchemaId(marker)),
            raw(
                Topics.ISSUANCE_DENIED.name(),
                poisonAt,
                ("{\"json\": \"" + marker + "\"}").getBytes(UTF_8)));

    List<SecurityAlert> live;
    try (AnomalyDetectorApp app = AnomalyDetectorApp.start(config)) {
      produce(cluster, registry, serdes, inputs, poison);
      List<SecurityAlert> seen = new CopyOnWriteArrayList<>();
      try (KafkaConsumer<String, SecurityAlert> consumer = consumer(cluster, registry, serdes)) {
        consumer.subscribe(List.of(liveTopic));
        await()
            .atMost(Duration.ofMinutes(3))
            .pollDelay(Duration.ZERO)
            .until(() -> poll(consumer, seen) >= expected.size());
        // Whatever else comes (a false positive arriving late) is collected and fails below.
        long quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < quietUntil) {
          poll(consumer, seen);
        }
      }
      assertThat(app.isRunning()).isTrue();
      live = List.copyOf(seen);
      assertThat(deadLetters(cluster, marker))
          .as("each poison record dead-lettered once, naming its topic")
          .containsExactlyInAnyOrder(
              Topics.TOKEN_USED.name(), Topics.TOKEN_ISSUED.name(), Topics.ISSUANCE_DENIED.name());
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://localhost:" + app.httpPort();
      assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);
      assertThat(get(http, base + "/ready").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(http, base + "/metrics");
      assertThat(metrics.body())
          .contains("tokenwatch_anomaly_alerts_total{auto_response=\"false\",rule=\"TOKEN_SPREAD\"")
          .contains("tokenwatch_anomaly_evaluation_lag_milliseconds");
    }
    assertThat(live.stream().map(AnomalyDetectorIntegrationTest::expected).toList())
        .as("live alerts %s", live)
        .containsExactlyInAnyOrderElementsOf(expected);

    String replayTopic = "it-replay-" + UUID.randomUUID();
    AnomalyReplay.Result result =
        AnomalyReplay.run(
            config,
            start,
            inputs.get(inputs.size() - 1).at(),
            replayTopic,
            null,
            Duration.ofMinutes(5));
    assertThat(result.records()).isEqualTo(inputs.size() + poison.size());
    List<SecurityAlert> replayed = new ArrayList<>();
    try (KafkaConsumer<String, SecurityAlert> consumer = consumer(cluster, registry, serdes)) {
      consumer.subscribe(List.of(replayTopic));
      await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, replayed) >= live.size());
    }
    assertThat(replayed).containsExactlyInAnyOrderElementsOf(live);
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Expected expected(SecurityAlert alert) {
    return new Expected(
        Rule.valueOf(alert.getRule().name()),
        alert.getSubject() != null ? alert.getSubject() : "client:" + alert.getClientId(),
        alert.getTokenId());
  }

  private static int poll(KafkaConsumer<String, SecurityAlert> consumer, List<SecurityAlert> into) {
    for (ConsumerRecord<String, SecurityAlert> record : consumer.poll(Duration.ofMillis(200))) {
      into.add(record.value());
    }
    return into.size();
  }

  private static ProducerRecord<byte[], byte[]> raw(String topic, Instant at, byte[] value) {
    return new ProducerRecord<>(topic, null, at.toEpochMilli(), "poison".getBytes(UTF_8), value);
  }

  /** Confluent wire format naming a schema id the registry never gave out. */
  private static byte[] unknownSchemaId(String marker) {
    byte[] text = marker.getBytes(UTF_8);
    return ByteBuffer.allocate(5 + text.length).put((byte) 0).putInt(987_654).put(text).array();
  }

  /** The source topic header of each dead letter whose value contains {@code marker}. */
  private static List<String> deadLetters(TestCluster cluster, String marker) {
    List<String> sources = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-dead-letters-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.DEAD_LETTERS.name()));
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until && sources.size() < 3) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() != null && new String(record.value(), UTF_8).contains(marker)) {
            Header topic = record.headers().lastHeader(Decoding.TOPIC);
            sources.add(topic == null ? "(no header)" : new String(topic.value(), UTF_8));
          }
        }
      }
      // Anything beyond the three (a poison record dead-lettered twice) is collected and fails.
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
        if (record.value() != null && new String(record.value(), UTF_8).contains(marker)) {
          sources.add("(again)");
        }
      }
    }
    return sources;
  }

  private static void produce(
      TestCluster cluster,
      SchemaRegistryClient registry,
      SerdeConfig serdes,
      List<Input> inputs,
      List<ProducerRecord<byte[], byte[]>> poison)
      throws Exception {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Serializer<SpecificRecord> avro =
        (Serializer) AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.BATCH_SIZE_CONFIG,
                262_144),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      poison.forEach(producer::send);
      for (Input input : inputs) {
        producer.send(
            new ProducerRecord<>(
                input.topic(),
                null,
                input.at().toEpochMilli(),
                input.key().getBytes(UTF_8),
                avro.serialize(input.topic(), input.value())));
      }
      producer.flush();
    }
  }

  private static KafkaConsumer<String, SecurityAlert> consumer(
      TestCluster cluster, SchemaRegistryClient registry, SerdeConfig serdes) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "it-alerts-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed"),
        new StringDeserializer(),
        AvroSerdes.specific(SecurityAlert.class, registry, serdes, false).deserializer());
  }
}
