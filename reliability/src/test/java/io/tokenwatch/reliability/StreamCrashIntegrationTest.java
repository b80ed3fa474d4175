package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The revocation stream halted abruptly (SIGKILL of its JVM: no close, no commit) twice while uses
 * are produced: once restarted on its own state directory, once on an empty one, so its state comes
 * back from the changelog topics alone. Exactly-once means every acknowledged use is counted once:
 * no count lost, none doubled, and every token used past its {@code max_uses} is revoked exactly
 * once on the feed.
 */
@Tag("integration")
class StreamCrashIntegrationTest {

  private static final int TOKENS = 60;
  private static final int MAX_USES = 20;
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final Duration PACE = Duration.ofMillis(25);

  @TempDir Path dataDir;

  /** Uses sent for token {@code i}: 10 to 30, so about half the tokens pass their limit. */
  private static int usesOf(int i) {
    return 10 + (i % 21);
  }

  private static String jti(int i) {
    return "crash-token-" + i;
  }

  @Test
  void shouldNeitherLoseNorDoubleCountsNorRevocationsWhenTheStreamIsKilledMidLoad()
      throws Exception {
    int totalUses = 0;
    for (int i = 0; i < TOKENS; i++) {
      totalUses += usesOf(i);
    }
    int port = Pipeline.freePort();
    Path log = dataDir.resolve("stream.log");
    Map<String, Object> figures = new LinkedHashMap<>();
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir)) {
      ServiceProcess stream =
          ServiceProcess.start(
              RevocationStreamApp.class, settings(platform, port, dataDir.resolve("state-a")), log);
      try {
        await().atMost(WAIT).until(() -> introspect(port, "no-such-token") != null);

        Instant now = Instant.now();
        try (KafkaProducer<String, TokenIssued> issued = platform.producer(TokenIssued.class)) {
          for (int i = 0; i < TOKENS; i++) {
            issued
                .send(
                    new ProducerRecord<>(
                        Topics.TOKEN_ISSUED.name(),
                        jti(i),
                        TestEvents.issued(jti(i), now).setMaxUses(MAX_USES).build()))
                .get();
          }
        }

        BackgroundLoad load = useLoad(platform, now);
        try {
          // First halt while the stream works through a backlog; back on the same state
          // directory at once, while uses keep coming.
          int quarter = totalUses / 4;
          await().atMost(WAIT).until(() -> load.acknowledged() >= quarter);
          await().atMost(WAIT).until(() -> counted(port) > 0);
          figures.put("usesAcknowledgedAtHalt1", load.acknowledged());
          long countedAtHalt1 = counted(port);
          stream.kill();
          stream =
              ServiceProcess.start(
                  RevocationStreamApp.class,
                  settings(platform, port, dataDir.resolve("state-a")),
                  log);

          // Second halt once the restarted stream counts again; back on an empty state
          // directory, so its state comes from the changelog topics alone.
          await().atMost(WAIT).until(() -> load.acknowledged() >= 2L * quarter);
          await().atMost(WAIT).until(() -> counted(port) > countedAtHalt1);
          figures.put("usesAcknowledgedAtHalt2", load.acknowledged());
          stream.kill();
          stream =
              ServiceProcess.start(
                  RevocationStreamApp.class,
                  settings(platform, port, dataDir.resolve("state-b")),
                  log);

          await().atMost(WAIT).until(load::done);
        } finally {
          load.close();
        }
        assertThat(load.failure()).isNull();
        assertThat(load.acknowledged()).isEqualTo(totalUses);

        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < TOKENS; i++) {
          expected.put(jti(i), (long) usesOf(i));
        }
        await().atMost(WAIT).until(() -> useCounts(port).equals(expected));

        Map<String, Long> expectedRevocations = new TreeMap<>();
        for (int i = 0; i < TOKENS; i++) {
          if (usesOf(i) > MAX_USES) {
            expectedRevocations.put("token:" + jti(i), 1L);
          }
        }
        await().atMost(WAIT).until(() -> maxUseRevocations(platform).equals(expectedRevocations));
        List<Revocation> revocations = maxUseRevocationRecords(platform);
        assertThat(revocations)
            .allSatisfy(r -> assertThat(r.getUseCount()).isEqualTo(MAX_USES + 1L));

        figures.put("tokens", TOKENS);
        figures.put("usesSent", load.sent());
        figures.put("usesAcknowledged", load.acknowledged());
        figures.put(
            "usesCounted", useCounts(port).values().stream().mapToLong(Long::longValue).sum());
        figures.put("abruptHalts", 2);
        figures.put("restartsOnEmptyStateDirectory", 1);
        figures.put("maxUseRevocationsExpected", expectedRevocations.size());
        figures.put("maxUseRevocationsEmitted", revocations.size());
        Figures.record("revocation-stream killed mid-load", figures);
      } catch (AssertionError | RuntimeException e) {
        // The stream ran in other JVMs: their output is the first thing to read on a failure.
        throw new AssertionError(
            e.getMessage() + "\n--- stream processes' output ---\n" + tail(log), e);
      } finally {
        stream.close();
      }
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static Map<String, Object> settings(KafkaPlatform platform, int port, Path stateDir)
      throws Exception {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(RevocationStreamConfig.STATE_DIR, stateDir.toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, port);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    // A halted member's partitions move once the group notices it is gone: after the session
    // timeout, made short here so the test does not wait the default 45 s.
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", 6_000);
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "heartbeat.interval.ms", 1_000);
    return settings;
  }

  private static @Nullable JsonNode introspect(int port, String token) {
    return Introspection.ask(port, token);
  }

  /** The use count introspection reports per token; absent while it cannot answer. */
  private static Map<String, Long> useCounts(int port) {
    Map<String, Long> counts = new TreeMap<>();
    for (int i = 0; i < TOKENS; i++) {
      JsonNode answer = introspect(port, jti(i));
      if (answer == null || !answer.has("use_count")) {
        return Map.of();
      }
      counts.put(jti(i), answer.get("use_count").asLong());
    }
    return counts;
  }

  private static long counted(int port) {
    return useCounts(port).values().stream().mapToLong(Long::longValue).sum();
  }

  private static List<Revocation> maxUseRevocationRecords(KafkaPlatform platform) {
    List<Revocation> found = new ArrayList<>();
    for (ConsumerRecord<String, Revocation> record :
        TopicReader.readAll(
            platform.bootstrapServers(),
            platform.schemaRegistryUrl(),
            Topics.REVOCATIONS.name(),
            Revocation.class)) {
      if (record.value() != null
          && record.value().getReason() == RevocationReason.MAX_USES_EXCEEDED) {
        found.add(record.value());
      }
    }
    return found;
  }

  /** How many max-use revocation records the feed holds per key. */
  private static Map<String, Long> maxUseRevocations(KafkaPlatform platform) {
    Map<String, Long> perKey = new TreeMap<>();
    for (Revocation revocation : maxUseRevocationRecords(platform)) {
      perKey.merge("token:" + revocation.getSelector().getValue(), 1L, Long::sum);
    }
    return perKey;
  }

  /**
   * Uses sent round by round over every token still under its planned count, each waiting for its
   * acknowledgement, from one thread.
   */
  /** Each token's uses, one round at a time, paced, so the halts land while uses are produced. */
  private static BackgroundLoad useLoad(KafkaPlatform platform, Instant issuedAt) {
    Instant expiresAt = issuedAt.plus(TestEvents.TTL);
    return new BackgroundLoad(
        "use-load",
        load -> {
          try (KafkaProducer<String, TokenUsed> producer = platform.producer(TokenUsed.class)) {
            for (int round = 0; round < 30 && !load.stopped(); round++) {
              for (int i = 0; i < TOKENS && !load.stopped(); i++) {
                if (usesOf(i) > round) {
                  load.sentOne();
                  producer
                      .send(
                          new ProducerRecord<>(
                              Topics.TOKEN_USED.name(),
                              jti(i),
                              TestEvents.used(jti(i), Instant.now(), expiresAt).build()))
                      .get();
                  load.acknowledgedOne();
                  Thread.sleep(PACE.toMillis());
                }
              }
            }
          }
        });
  }
}
