package io.tokenwatch.reliability;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The revocation stream halted abruptly (SIGKILL) and started again under the same member name
 * takes its partitions back at once: it does not wait for the group to notice that the halted
 * member is gone. {@code tokenwatch up} runs its streams apps this way. The session timeout here is
 * 5 minutes, so a restart that waited for it could not pass within the bound.
 */
@Tag("integration")
class StreamRestartIntegrationTest {

  private static final Duration SESSION_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration BOUND = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void shouldProcessAgainSoonAfterACrashWhenRestartedUnderItsMemberName() throws Exception {
    int port = Pipeline.freePort();
    Path log = dataDir.resolve("stream.log");
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir)) {
      Map<String, Object> settings = settings(platform, port);
      ServiceProcess stream = ServiceProcess.start(RevocationStreamApp.class, settings, log);
      try {
        String before = issue(platform);
        await().atMost(Duration.ofMinutes(2)).until(() -> active(port, before));

        stream.kill();
        stream = ServiceProcess.start(RevocationStreamApp.class, settings, log);

        String after = issue(platform);
        await()
            .atMost(BOUND)
            .alias("the restarted stream knows a token issued after the crash")
            .until(() -> active(port, after));
        Figures.record(
            "Revocation stream restarted after SIGKILL under its member name",
            Map.of(
                "sessionTimeoutSeconds",
                SESSION_TIMEOUT.toSeconds(),
                "boundSeconds",
                BOUND.toSeconds()));
      } finally {
        stream.close();
      }
    }
  }

  private static String issue(KafkaPlatform platform) throws Exception {
    String jti = UUID.randomUUID().toString();
    try (KafkaProducer<String, TokenIssued> producer = platform.producer(TokenIssued.class)) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.TOKEN_ISSUED.name(), jti, TestEvents.issued(jti, Instant.now()).build()))
          .get();
    }
    return jti;
  }

  private static boolean active(int port, String jti) {
    JsonNode answer = Introspection.ask(port, jti);
    return answer != null && answer.path("active").asBoolean(false);
  }

  private Map<String, Object> settings(KafkaPlatform platform, int port) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve("state").toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, port);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    settings.put(
        RevocationStreamConfig.STREAMS_PREFIX + "session.timeout.ms", SESSION_TIMEOUT.toMillis());
    settings.put(RevocationStreamConfig.STREAMS_PREFIX + "group.instance.id", "restart-test");
    return settings;
  }
}
