package io.tokenwatch.signals.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.signals.PollState;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Two instances committing acknowledgements of one stream at the same time, each from the state it
 * loaded: none is lost, neither in the instances' views nor in the last record on the topic.
 */
@KafkaIntegrationTest
class PollStateLogIntegrationTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @Test
  void shouldKeepEveryAcknowledgementOfConcurrentCommits(TestCluster cluster) throws Exception {
    String topic = "it-poll-states-" + UUID.randomUUID();
    Map<String, Object> kafka = new HashMap<>();
    kafka.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    try (Admin admin = Admin.create(kafka)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 3, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    String stream = "stream-" + UUID.randomUUID();
    int perInstance = 12;
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (PollStateLog first = new PollStateLog(kafka, topic, TIMEOUT);
        PollStateLog second = new PollStateLog(kafka, topic, TIMEOUT)) {
      List<Future<?>> work = new ArrayList<>();
      work.add(threads.submit(() -> acknowledge(first, stream, 1000, perInstance)));
      work.add(threads.submit(() -> acknowledge(second, stream, 2000, perInstance)));
      for (Future<?> done : work) {
        done.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    try (PollStateLog restarted = new PollStateLog(kafka, topic, TIMEOUT)) {
      assertThat(restarted.load(stream).done().keySet()).containsAll(expected(perInstance));
    }
    assertThat(lastRecord(cluster, topic, stream).done().keySet())
        .as("the last record holds every acknowledgement")
        .containsAll(expected(perInstance));
  }

  /** Loads, acknowledges one more SET, commits; repeatedly, as one instance's polls do. */
  private static void acknowledge(PollStateLog log, String stream, long base, int count) {
    for (int i = 0; i < count; i++) {
      PollState loaded = log.load(stream);
      TreeMap<Long, String> done = new TreeMap<>(loaded.done());
      done.put(base + i, "jti-" + (base + i));
      PollState committed = log.commit(stream, new PollState(loaded.cursor(), done));
      assertThat(committed.done()).containsKey(base + i);
    }
  }

  private static List<Long> expected(int perInstance) {
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < perInstance; i++) {
      offsets.add(1000L + i);
      offsets.add(2000L + i);
    }
    return offsets;
  }

  private static PollState lastRecord(TestCluster cluster, String topic, String stream) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        partitions.add(new TopicPartition(topic, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Optional<PollState> last = Optional.empty();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (stream.equals(new String(record.key(), StandardCharsets.UTF_8))) {
            last = PollStateJson.decode(record.value());
          }
        }
      }
      return last.orElseThrow();
    }
  }
}
