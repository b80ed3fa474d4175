package io.tokenwatch.signals.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream registry on a real broker, against a plain map as the model: random puts and deletes
 * over a handful of ids, each read back at once on the writing instance, and after every round a
 * freshly started instance (a restart) that must hold exactly what the model holds.
 */
@KafkaIntegrationTest
class KafkaStreamRegistryIntegrationTest {

  private static final List<String> IDS = List.of("s-1", "s-2", "s-3", "s-4", "s-5");

  private final List<KafkaStreamRegistry> opened = new ArrayList<>();

  @AfterEach
  void closeRegistries() {
    opened.forEach(KafkaStreamRegistry::close);
  }

  @Test
  void shouldHoldWhatTheModelHoldsAcrossRandomWritesAndRestarts(TestCluster cluster)
      throws Exception {
    String topic = createTopic(cluster);
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, SignalStream> model = new HashMap<>();
    KafkaStreamRegistry registry = open(cluster, topic);
    for (int round = 0; round < 4; round++) {
      int operations = 10 + random.nextInt(15);
      for (int i = 0; i < operations; i++) {
        String id = IDS.get(random.nextInt(IDS.size()));
        if (random.nextInt(3) == 0) {
          registry.delete(id);
          model.remove(id);
        } else {
          SignalStream stream = randomStream(id, random);
          registry.put(stream);
          model.put(id, stream);
        }
        assertThat(registry.get(id))
            .as("seed %d, read after write of %s", seed, id)
            .isEqualTo(Optional.ofNullable(model.get(id)));
      }
      assertThat(view(registry)).as("seed %d, writer after round %d", seed, round).isEqualTo(model);
      KafkaStreamRegistry restarted = open(cluster, topic);
      assertThat(view(restarted))
          .as("seed %d, restarted instance after round %d", seed, round)
          .isEqualTo(model);
      if (random.nextBoolean()) {
        registry = restarted; // the restarted instance writes the next round
      }
    }
  }

  @Test
  void shouldHoldWhatTheModelHoldsAfterTheTopicIsCompacted(TestCluster cluster) throws Exception {
    String topic =
        createTopic(
            cluster,
            Map.of(
                "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01",
                "min.compaction.lag.ms", "0",
                "delete.retention.ms", "0"));
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, SignalStream> model = new HashMap<>();
    KafkaStreamRegistry registry = open(cluster, topic);
    for (int i = 0; i < 40; i++) {
      String id = IDS.get(random.nextInt(IDS.size()));
      if (random.nextInt(3) == 0) {
        registry.delete(id);
        model.remove(id);
      } else {
        SignalStream stream = randomStream(id, random);
        registry.put(stream);
        model.put(id, stream);
      }
    }
    // Rewriting a live value (or a tombstone) rolls the active segment (segment.ms), so the
    // cleaner may compact the older ones; the model does not change.
    await()
        .atMost(Duration.ofSeconds(45))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              SignalStream current = model.get("s-1");
              if (current == null) {
                registry.delete("s-1");
              } else {
                registry.put(current);
              }
              return records(cluster, topic) < 40;
            });
    assertThat(view(open(cluster, topic))).as("seed %d, after compaction", seed).isEqualTo(model);
  }

  @Test
  void shouldShowAnotherInstancesWritesSoonAfter(TestCluster cluster) throws Exception {
    String topic = createTopic(cluster);
    KafkaStreamRegistry writer = open(cluster, topic);
    KafkaStreamRegistry reader = open(cluster, topic);
    SignalStream stream = randomStream("s-1", new Random(7));

    writer.put(stream);
    await().atMost(Duration.ofSeconds(20)).until(() -> reader.get("s-1").isPresent());
    assertThat(reader.get("s-1")).contains(stream);

    writer.delete("s-1");
    await().atMost(Duration.ofSeconds(20)).until(() -> reader.get("s-1").isEmpty());
    assertThat(reader.all()).isEmpty();
  }

  @Test
  void shouldLeaveOutARecordItCannotReadAndKeepFollowing(TestCluster cluster) throws Exception {
    String topic = createTopic(cluster);
    KafkaStreamRegistry writer = open(cluster, topic);
    SignalStream good = randomStream("s-1", new Random(11));
    writer.put(good);
    writer.put(randomStream("s-2", new Random(12)));
    try (KafkaProducer<String, byte[]> raw = rawProducer(cluster)) {
      raw.send(new ProducerRecord<>(topic, "s-2", "{not json".getBytes(StandardCharsets.UTF_8)))
          .get();
      raw.send(
              new ProducerRecord<>(
                  topic, "s-3", StreamRecords.encode(randomStream("another-id", new Random(13)))))
          .get();
    }
    SignalStream later = randomStream("s-4", new Random(14));
    writer.put(later);

    KafkaStreamRegistry restarted = open(cluster, topic);
    assertThat(view(restarted)).isEqualTo(Map.of("s-1", good, "s-4", later));
    assertThat(view(writer)).isEqualTo(Map.of("s-1", good, "s-4", later));
    assertThat(restarted.isHealthy()).isTrue();
  }

  private KafkaStreamRegistry open(TestCluster cluster, String topic) throws Exception {
    KafkaStreamRegistry registry =
        new KafkaStreamRegistry(
            Map.of("bootstrap.servers", cluster.bootstrapServers()), topic, Duration.ofSeconds(30));
    opened.add(registry);
    assertThat(registry.awaitReady(Duration.ofSeconds(30))).isTrue();
    return registry;
  }

  private static Map<String, SignalStream> view(KafkaStreamRegistry registry) {
    return registry.all().stream()
        .collect(Collectors.toMap(SignalStream::streamId, Function.identity()));
  }

  private static String createTopic(TestCluster cluster) throws Exception {
    return createTopic(cluster, Map.of());
  }

  /** How many records a reader from the beginning finds on {@code topic} now. */
  private static int records(TestCluster cluster, String topic) {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      int count = 0;
      while (consumer.position(partition) < end) {
        count += consumer.poll(Duration.ofMillis(200)).count();
      }
      return count;
    }
  }

  private static String createTopic(TestCluster cluster, Map<String, String> extra)
      throws Exception {
    Map<String, String> configs = new HashMap<>(extra);
    configs.put("cleanup.policy", "compact");
    String topic = "it-ssf-streams-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();
    }
    return topic;
  }

  private static KafkaProducer<String, byte[]> rawProducer(TestCluster cluster) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class));
  }

  static SignalStream randomStream(String id, Random random) {
    DeliveryMethod method = random.nextBoolean() ? DeliveryMethod.PUSH : DeliveryMethod.POLL;
    Set<EventType> events = new HashSet<>();
    for (EventType type : EventType.values()) {
      if (random.nextBoolean()) {
        events.add(type);
      }
    }
    Set<SubjectId> subjects = new HashSet<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      subjects.add(
          switch (random.nextInt(4)) {
            case 0 -> new SubjectId.IssSub("https://idp.example", "user-" + random.nextInt(100));
            case 1 -> new SubjectId.Email("user" + random.nextInt(100) + "@example.com");
            case 2 -> new SubjectId.Opaque("tok-" + random.nextInt(100));
            default ->
                new SubjectId.Complex(
                    Map.of(
                        "user",
                        new SubjectId.Email("u" + random.nextInt(9) + "@example.com"),
                        "token",
                        new SubjectId.Opaque("t" + random.nextInt(9))));
          });
    }
    Instant created = Instant.ofEpochSecond(1_700_000_000L + random.nextInt(1_000_000), 123_456);
    return new SignalStream(
        id,
        "client-" + random.nextInt(3),
        "client-" + random.nextInt(3),
        method,
        URI.create(
            method == DeliveryMethod.PUSH
                ? "https://receiver.example.com/events/" + random.nextInt(1000)
                : "https://ssf.example.com/ssf/poll/" + id),
        method == DeliveryMethod.PUSH && random.nextBoolean()
            ? "Bearer secret-" + random.nextInt(1000)
            : null,
        events,
        pick(List.of(StreamStatus.values()), random),
        random.nextBoolean() ? null : "reason \"" + random.nextInt(10) + "\" \u00e9\u2603",
        "description " + random.nextInt(1000),
        subjects,
        created,
        created.plusMillis(random.nextInt(100_000)));
  }

  private static <T> T pick(List<T> values, Random random) {
    return values.get(random.nextInt(values.size()));
  }
}
