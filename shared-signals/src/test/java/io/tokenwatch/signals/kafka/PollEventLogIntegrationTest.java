package io.tokenwatch.signals.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.signals.PollQueue;
import io.tokenwatch.signals.PollSet;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Reads of one stream's queue, against a model (the list of records produced for it): random
 * arrivals among other streams' records and records that are no SET, reads from random cursors with
 * random limits, and a second reader starting cold.
 */
@KafkaIntegrationTest
class PollEventLogIntegrationTest {

  @Test
  void shouldReadExactlyTheStreamsSetsFromAnyCursor(TestCluster cluster) throws Exception {
    String topic = "it-poll-events-" + UUID.randomUUID();
    Map<String, Object> kafka = new HashMap<>();
    kafka.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    try (Admin admin = Admin.create(kafka)) {
      admin
          .createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    String stream = "stream-" + UUID.randomUUID();
    List<PollSet> model = new ArrayList<>();
    Random random = new Random(42);
    try (PollEventLog log = new PollEventLog(kafka, topic, Duration.ofSeconds(20));
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(kafka, new StringSerializer(), new ByteArraySerializer())) {
      String neighbour = neighbourOf(log, stream);
      long end = 0;
      for (int step = 0; step < 60; step++) {
        int action = random.nextInt(4);
        if (action == 0) {
          String jti = "jti-" + step;
          RecordMetadata sent = send(producer, topic, stream, set(jti));
          model.add(new PollSet(sent.offset(), jti, set(jti)));
          end = sent.offset() + 1;
        } else if (action == 1) {
          end = send(producer, topic, neighbour, set("other-" + step)).offset() + 1;
          if (random.nextBoolean()) {
            end = send(producer, topic, stream, "not a SET").offset() + 1;
          }
        } else {
          long from = model.isEmpty() ? 0 : model.get(random.nextInt(model.size())).offset();
          if (random.nextInt(3) == 0) {
            from = end;
          }
          int limit = 1 + random.nextInt(5);
          PollQueue.Scan scan = log.scan(stream, from, limit);
          long cursor = from;
          List<PollSet> expected =
              model.stream().filter(set -> set.offset() >= cursor).limit(limit).toList();
          assertThat(scan.sets()).as("read from %d, limit %d", from, limit).isEqualTo(expected);
          if (model.stream().filter(set -> set.offset() >= cursor).count() < limit) {
            assertThat(scan.end()).isEqualTo(Math.max(from, end));
            assertThat(scan.complete()).isTrue();
          } else {
            assertThat(scan.end()).isEqualTo(expected.get(limit - 1).offset() + 1);
          }
        }
      }
    }
    try (PollEventLog cold = new PollEventLog(kafka, topic, Duration.ofSeconds(20))) {
      assertThat(cold.scan(stream, 0, 1000).sets()).isEqualTo(model);
    }
  }

  /** Another key on the same partition, so the stream's records are interleaved with its. */
  private static String neighbourOf(PollEventLog log, String stream) {
    for (int i = 0; ; i++) {
      String candidate = "neighbour-" + i;
      if (log.partitionOf(candidate) == log.partitionOf(stream)) {
        return candidate;
      }
    }
  }

  private static RecordMetadata send(
      KafkaProducer<String, byte[]> producer, String topic, String key, String value)
      throws Exception {
    return producer
        .send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)))
        .get(30, TimeUnit.SECONDS);
  }

  private static String set(String jti) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(("{\"jti\":\"" + jti + "\"}").getBytes(StandardCharsets.UTF_8))
        + ".c2ln";
  }
}
