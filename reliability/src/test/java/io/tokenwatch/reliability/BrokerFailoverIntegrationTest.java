package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.ReplicatedTestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.kafka.AppliedRevocation;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker lost under load, on three brokers (one JVM each, replication factor 3, {@code
 * min.insync.replicas=2}): an idempotent {@code acks=all} producer sends revocation requests
 * through the revocation stream to two validators' feeds while the leader of the feed's partition 0
 * is SIGKILLed, brought back, and then the leader of the requests' partition 0 is SIGKILLed. Every
 * request the cluster acknowledged is on the feed exactly once and applied exactly once by each
 * validator; none lost, none doubled.
 */
@Tag("integration")
class BrokerFailoverIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Duration PACE = Duration.ofMillis(10);

  /** Requests acknowledged before a kill, and again after it, so each kill lands mid-load. */
  private static final int STRETCH = 150;

  private static final int VALIDATORS = 2;

  @TempDir Path dataDir;

  @Test
  void shouldCommitEveryAcknowledgedRevocationOnceAndApplyItAtEveryValidatorWhenLeadersAreKilled()
      throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    try (ReplicatedTestCluster cluster = ReplicatedTestCluster.start(3)) {
      figures.put("clusterStartMillis", cluster.startupDuration().toMillis());
      ensureTopics(cluster);
      assertReplicated(cluster, Topics.REVOCATIONS.name());
      assertReplicated(cluster, Topics.REVOCATION_REQUESTS.name());

      // Accepted requests by feed key, when each was sent, and what each validator applied.
      Map<String, Instant> sentAt = new ConcurrentHashMap<>();
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      List<Map<String, AtomicLong>> appliedCounts = new ArrayList<>();
      List<Map<String, Instant>> firstApplied = new ArrayList<>();
      List<RevocationFeed> validators = new ArrayList<>();
      RevocationStreamApp stream =
          RevocationStreamApp.start(streamSettings(cluster, dataDir.resolve("stream")));
      try {
        for (int v = 0; v < VALIDATORS; v++) {
          Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
          Map<String, Instant> first = new ConcurrentHashMap<>();
          RevocationFeed feed = validator(cluster, v);
          feed.addListener(
              (AppliedRevocation applied) -> {
                counts.computeIfAbsent(applied.selector(), k -> new AtomicLong()).incrementAndGet();
                first.putIfAbsent(applied.selector(), applied.appliedAt());
              });
          validators.add(feed);
          appliedCounts.add(counts);
          firstApplied.add(first);
          assertThat(feed.awaitReady(WAIT)).as("validator %s bootstraps", v).isTrue();
        }
        await().atMost(WAIT).until(stream::isRunning);

        List<Instant> kills = new ArrayList<>();
        BackgroundLoad load = requestLoad(cluster, sentAt, acknowledged);
        try {
          await()
              .atMost(WAIT)
              .until(() -> load.acknowledged() >= STRETCH || load.failure() != null);
          // One broker leading a partition of the feed and of the requests at once, so both
          // topics fail over together (with two brokers left, min.insync.replicas=2 still holds).
          int victim = cluster.leaderOf(Topics.REVOCATIONS.name(), 0).orElseThrow();
          List<Integer> requestPartitions = new ArrayList<>();
          for (int p = 0; p < Topics.REVOCATION_REQUESTS.spec().partitions(); p++) {
            if (cluster.leaderOf(Topics.REVOCATION_REQUESTS.name(), p).orElse(-1) == victim) {
              requestPartitions.add(p);
            }
          }
          assertThat(requestPartitions)
              .as("the feed's leader leads a partition of the requests too")
              .isNotEmpty();
          long atKill = load.acknowledged();
          kills.add(Instant.now());
          cluster.kill(victim);
          figures.put(
              "killed",
              "broker "
                  + victim
                  + " (leader of the feed's partition 0 and of the requests' partitions "
                  + requestPartitions
                  + ")");
          await()
              .atMost(WAIT)
              .until(() -> load.acknowledged() >= atKill + STRETCH || load.failure() != null);
          figures.put("newFeedLeader", cluster.leaderOf(Topics.REVOCATIONS.name(), 0).orElse(-1));
        } finally {
          load.close();
        }
        assertThat(load.failure()).as("no acknowledged send failed").isNull();
        assertThat(acknowledged).hasSize((int) load.acknowledged());

        for (int v = 0; v < VALIDATORS; v++) {
          Map<String, AtomicLong> counts = appliedCounts.get(v);
          await().atMost(WAIT).until(() -> counts.keySet().containsAll(acknowledged));
        }
        // The last sends may have been acknowledged late or not at all (the load stopped): a
        // request the cluster took in but never acknowledged may still be applied, never one that
        // was not sent.
        Map<String, Long> onFeed = feedRecordsPerKey(cluster, true);
        assertThat(onFeed.keySet()).containsAll(acknowledged).isSubsetOf(sentAt.keySet());
        assertThat(onFeed.values()).as("feed records per key").containsOnly(1L);
        for (int v = 0; v < VALIDATORS; v++) {
          Map<String, AtomicLong> counts = appliedCounts.get(v);
          assertThat(counts.keySet()).as("validator %s", v).isEqualTo(onFeed.keySet());
          // A validator reads the feed uncommitted, so a revocation takes effect before the
          // stream's transaction commits; it therefore also applies the copies a transaction
          // aborted in the failover left on the log, which the retried transaction writes again.
          // What it applies per key is exactly what the log holds for the key, aborted copies
          // included, and nothing else.
          int validator = v;
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () ->
                      assertThat(snapshot(counts))
                          .as("applications per revocation at validator %s", validator)
                          .isEqualTo(feedRecordsPerKey(cluster, false)));
          assertThat(validators.get(v).status().liveRevocations()).isEqualTo(onFeed.size());
        }

        figures.put("requestsSent", load.sent());
        figures.put("requestsAcknowledged", load.acknowledged());
        figures.put("revocationsOnFeed", onFeed.size());
        figures.put(
            "abortedCopiesOnFeed",
            feedRecordsPerKey(cluster, false).values().stream().mapToLong(Long::longValue).sum()
                - onFeed.size());
        for (int v = 0; v < VALIDATORS; v++) {
          figures.put(
              "appliedByValidator" + v,
              appliedCounts.get(v).values().stream().mapToLong(AtomicLong::get).sum());
        }
        List<Long> all = new ArrayList<>();
        List<Long> failover = new ArrayList<>();
        for (Map<String, Instant> first : firstApplied) {
          first.forEach(
              (key, applied) -> {
                Instant sent = sentAt.get(key);
                if (sent == null) {
                  return;
                }
                long millis = Math.max(0, Duration.between(sent, applied).toMillis());
                all.add(millis);
                for (Instant kill : kills) {
                  if (!sent.isBefore(kill.minusSeconds(1)) && sent.isBefore(kill.plusSeconds(10))) {
                    failover.add(millis);
                    break;
                  }
                }
              });
        }
        figures.put("propagationP50Ms", percentile(all, 50));
        figures.put("propagationP99Ms", percentile(all, 99));
        figures.put("propagationMaxMs", percentile(all, 100));
        figures.put("failoverWindowSamples", failover.size());
        figures.put("failoverWindowP50Ms", percentile(failover, 50));
        figures.put("failoverWindowP99Ms", percentile(failover, 99));
        figures.put("failoverWindowMaxMs", percentile(failover, 100));
        Figures.record("broker lost under load", figures);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            e.getMessage()
                + "\n--- broker outputs ---\n"
                + cluster.logTail(1, 20)
                + "\n"
                + cluster.logTail(2, 20)
                + "\n"
                + cluster.logTail(3, 20),
            e);
      } finally {
        validators.forEach(RevocationFeed::close);
        stream.close();
      }
    }
  }

  private static long percentile(List<Long> values, int percentile) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static void ensureTopics(ReplicatedTestCluster cluster) {
    try (Admin admin = admin(cluster)) {
      new TopicEnsurer(
              admin, new HttpSchemaRegistryClient(serdes(cluster).registrySettings()), WAIT)
          .ensure(Topics.ALL);
    }
  }

  private static void assertReplicated(ReplicatedTestCluster cluster, String topic)
      throws Exception {
    try (Admin admin = admin(cluster)) {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      assertThat(description.partitions())
          .allSatisfy(partition -> assertThat(partition.replicas()).hasSize(3));
      String minInsync =
          admin
              .describeConfigs(
                  List.of(
                      new org.apache.kafka.common.config.ConfigResource(
                          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic)))
              .all()
              .get(30, TimeUnit.SECONDS)
              .values()
              .iterator()
              .next()
              .get("min.insync.replicas")
              .value();
      assertThat(minInsync).isEqualTo("2");
    }
  }

  private static Map<String, Object> streamSettings(ReplicatedTestCluster cluster, Path stateDir) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put(RevocationStreamConfig.STATE_DIR, stateDir.toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, 0);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", 6_000);
    return settings;
  }

  private static RevocationFeed validator(ReplicatedTestCluster cluster, int number) {
    Map<String, Object> consumer = new HashMap<>();
    consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "failover-validator-" + number);
    SerdeConfig serdes = serdes(cluster);
    return new RevocationFeed(
        consumer,
        AvroSerdes.specific(
                Revocation.class,
                new HttpSchemaRegistryClient(serdes.registrySettings()),
                serdes,
                false)
            .deserializer(),
        Topics.REVOCATIONS.name(),
        Topics.REVOCATION_FAST_PATH.name(),
        new RevocationIndex(),
        Clock.systemUTC(),
        Duration.ofMillis(100));
  }

  /** Requests for subjects failover-0, failover-1, ... one at a time, each awaiting its ack. */
  private static BackgroundLoad requestLoad(
      ReplicatedTestCluster cluster, Map<String, Instant> sentAt, Set<String> acknowledged) {
    SerdeConfig serdes = serdes(cluster);
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    return new BackgroundLoad(
        "revocation-request-load",
        load -> {
          try (KafkaProducer<String, RevocationRequested> producer =
              new KafkaProducer<>(
                  config,
                  new StringSerializer(),
                  AvroSerdes.specific(
                          RevocationRequested.class,
                          new HttpSchemaRegistryClient(serdes.registrySettings()),
                          serdes,
                          false)
                      .serializer())) {
            for (int i = 0; !load.stopped(); i++) {
              String subject = "failover-" + i;
              String key = "subject:" + subject;
              RevocationRequested request =
                  TestEvents.requested(SelectorKind.SUBJECT, subject, null, Instant.now())
                      .setReason(RevocationReason.COMPROMISED)
                      .setRequestedBy("broker-failover-test")
                      .build();
              sentAt.put(key, Instant.now());
              load.sentOne();
              producer
                  .send(new ProducerRecord<>(Topics.REVOCATION_REQUESTS.name(), key, request))
                  .get(150, TimeUnit.SECONDS);
              acknowledged.add(key);
              load.acknowledgedOne();
              Thread.sleep(PACE.toMillis());
            }
          }
        });
  }

  /** How many committed records the feed holds per key (tombstones excluded). */
  /** Records per key on the feed: the committed ones, or all that a validator reads. */
  private static Map<String, Long> feedRecordsPerKey(
      ReplicatedTestCluster cluster, boolean committedOnly) {
    Map<String, Long> perKey = new TreeMap<>();
    for (ConsumerRecord<String, Revocation> record :
        TopicReader.readAll(
            cluster.bootstrapServers(),
            cluster.schemaRegistryUrl(),
            Topics.REVOCATIONS.name(),
            Revocation.class,
            committedOnly)) {
      if (record.value() != null) {
        perKey.merge(record.key(), 1L, Long::sum);
      }
    }
    return perKey;
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> counts) {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((key, count) -> copy.put(key, count.get()));
    return copy;
  }

  private static SerdeConfig serdes(ReplicatedTestCluster cluster) {
    return SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
  }

  private static Admin admin(ReplicatedTestCluster cluster) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
  }
}
