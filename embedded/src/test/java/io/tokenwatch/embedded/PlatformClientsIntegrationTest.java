package io.tokenwatch.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.RegisteredSchema;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.CleanupPolicy;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.TopicConflictException;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.TopicSpec;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java registry client, the topic catalogue's ensure step and the serde, all against the real
 * embedded platform over the network.
 */
@Tag("integration")
class PlatformClientsIntegrationTest {

  @TempDir static Path dataDir;

  private static EmbeddedPlatform platform;
  private static SchemaRegistryClient registry;
  private static Admin admin;

  @BeforeAll
  static void startPlatform() {
    platform = EmbeddedPlatform.builder(dataDir).build().start();
    registry = client(platform);
    admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
  }

  @AfterAll
  static void stopPlatform() {
    admin.close();
    platform.close();
  }

  @Test
  void shouldSpeakEveryRegistryCallThroughTheJavaClient() {
    Schema v1 = record("Grant", false);
    Schema v2 = record("Grant", true);
    int id1 = registry.register("client-test-value", v1);
    int id2 = registry.register("client-test-value", v2);

    assertThat(registry.register("client-test-value", v1)).isEqualTo(id1);
    assertThat(registry.getById(id1)).isEqualTo(v1);
    RegisteredSchema latest = registry.getLatest("client-test-value");
    assertThat(latest.id()).isEqualTo(id2);
    assertThat(latest.version()).isEqualTo(2);
    assertThat(registry.lookup("client-test-value", v1).version()).isEqualTo(1);
    assertThat(registry.subjects()).contains("client-test-value");
    assertThat(registry.versions("client-test-value")).containsExactly(1, 2);
    assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(registry.subjectCompatibility("client-test-value")).isEmpty();
    registry.setSubjectCompatibility("client-test-value", CompatibilityLevel.FULL);
    assertThat(registry.subjectCompatibility("client-test-value"))
        .contains(CompatibilityLevel.FULL);
  }

  @Test
  void shouldRejectAnIncompatibleSchemaWith409AndSayWhy() {
    registry.register("incompatible-test-value", record("Use", false));
    Schema changedType =
        SchemaBuilder.record("Use").namespace("t").fields().requiredInt("id").endRecord();

    assertThat(registry.testCompatibility("incompatible-test-value", changedType).isCompatible())
        .isFalse();
    assertThatThrownBy(() -> registry.register("incompatible-test-value", changedType))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.reason()).isEqualTo(SchemaRegistryException.Reason.INCOMPATIBLE);
            });
  }

  @Test
  void shouldAnswer40403ForAnUnknownSchemaId() {
    SchemaRegistryClient fresh = client(platform);
    assertThatThrownBy(() -> fresh.getById(987_654))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(40403);
              assertThat(e.reason()).isEqualTo(SchemaRegistryException.Reason.SCHEMA_NOT_FOUND);
            });
  }

  @Test
  void shouldEnsureTheCatalogueIdempotentlyAndRegisterEveryValueSchema() throws Exception {
    TopicEnsurer ensurer = new TopicEnsurer(admin, registry, Duration.ofSeconds(30));

    TopicEnsurer.Report first = ensurer.ensure(Topics.ALL);
    TopicEnsurer.Report second = ensurer.ensure(Topics.ALL);

    List<String> names = Topics.ALL.stream().map(Topic::name).toList();
    assertThat(first.created()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(second.created()).isEmpty();
    assertThat(second.existing()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(second.schemaIds()).isEqualTo(first.schemaIds());
    assertThat(first.schemaIds())
        .hasSize((int) Topics.ALL.stream().filter(t -> t.valueSchema().isPresent()).count());
    assertThat(registry.subjects()).containsAll(first.schemaIds().keySet());
    assertThat(cleanupPolicy(Topics.REVOCATIONS.name())).isEqualTo("compact");
    assertThat(cleanupPolicy(Topics.TOKEN_ISSUED.name())).isEqualTo("delete");
  }

  @Test
  void shouldRefuseExistingTopicsWhoseCleanupPolicyConflicts() throws Exception {
    admin.createTopics(List.of(new NewTopic("conflict.feed", 1, (short) 1))).all().get();
    Topic<String, byte[]> compactedFeed =
        new Topic<>(
            "conflict.feed",
            String.class,
            byte[].class,
            new TopicSpec(1, CleanupPolicy.COMPACT, Duration.ofDays(1)),
            "k",
            "test");
    TopicEnsurer ensurer = new TopicEnsurer(admin, registry, Duration.ofSeconds(30));

    assertThatThrownBy(() -> ensurer.ensure(List.of(compactedFeed)))
        .isInstanceOfSatisfying(
            TopicConflictException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .asString()
                    .contains("conflict.feed", "cleanup.policy=delete", "needs compact"));
  }

  @Test
  void shouldKeepTopicsRecordsAndSchemaIdsAcrossARestart(@TempDir Path ownDir) throws Exception {
    List<byte[]> written = new ArrayList<>();
    Map<String, Integer> ids;
    try (EmbeddedPlatform first = EmbeddedPlatform.builder(ownDir).build().start();
        Admin firstAdmin = admin(first)) {
      SchemaRegistryClient client = client(first);
      ids =
          new TopicEnsurer(firstAdmin, client, Duration.ofSeconds(30))
              .ensure(Topics.ALL)
              .schemaIds();
      written.addAll(EventTraffic.produceOneOfEach(first.bootstrapServers(), client));
    }
    try (EmbeddedPlatform second = EmbeddedPlatform.builder(ownDir).build().start();
        Admin secondAdmin = admin(second)) {
      SchemaRegistryClient client = client(second);
      assertThat(new TopicEnsurer(secondAdmin, client, Duration.ofSeconds(30)).ensure(Topics.ALL))
          .satisfies(report -> assertThat(report.created()).isEmpty())
          .satisfies(report -> assertThat(report.schemaIds()).isEqualTo(ids));
      assertThat(EventTraffic.consumeAll(second.bootstrapServers(), client, written.size()))
          .containsExactlyInAnyOrderElementsOf(SampleEvents.all());
    }
  }

  @Test
  void shouldCarryEveryEventTypeThroughTheBrokerInTheWireFormat() {
    Map<String, Integer> ids =
        new TopicEnsurer(admin, registry, Duration.ofSeconds(30)).ensure(Topics.ALL).schemaIds();

    List<byte[]> raw = EventTraffic.produceOneOfEach(platform.bootstrapServers(), registry);

    for (int i = 0; i < raw.size(); i++) {
      byte[] bytes = raw.get(i);
      String subject = EventTraffic.topicOf(SampleEvents.all().get(i)).valueSubject();
      assertThat(bytes[0]).as("magic byte").isZero();
      assertThat(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(ids.get(subject));
    }
    assertThat(EventTraffic.consumeAll(platform.bootstrapServers(), registry, raw.size()))
        .containsExactlyInAnyOrderElementsOf(SampleEvents.all());
  }

  private static String cleanupPolicy(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin
        .describeConfigs(List.of(resource))
        .all()
        .get()
        .get(resource)
        .get("cleanup.policy")
        .value();
  }

  private static Schema record(String name, boolean withOptionalField) {
    var fields = SchemaBuilder.record(name).namespace("t").fields().requiredString("id");
    if (withOptionalField) {
      fields = fields.optionalString("note");
    }
    return fields.endRecord();
  }

  private static SchemaRegistryClient client(EmbeddedPlatform platform) {
    return new HttpSchemaRegistryClient(
        SerdeConfig.of(platform.schemaRegistryClientSettings()).registrySettings());
  }

  private static Admin admin(EmbeddedPlatform platform) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
  }
}
