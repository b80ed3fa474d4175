package io.tokenwatch.revocation.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.schemas.streams.StreamsService;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle the Streams services share ({@link StreamsService}), against a real broker with a
 * one-step topology: it starts, reports ready, binds the client metrics, and a close leaves the
 * consumer group at once instead of after the session timeout, as a dynamic member and as a static
 * one (the way {@code tokenwatch up} runs the services).
 */
@KafkaIntegrationTest
class StreamsServiceIntegrationTest {

  /**
   * Far longer than the test runs: a member that did not leave on close would still be listed when
   * the group is described right after it.
   */
  private static final int SESSION_TIMEOUT_MS = 120_000;

  @Test
  void shouldStartReportReadyAndLeaveTheGroupOnClose(TestCluster cluster) throws Exception {
    startReadyAndClose(cluster, false);
  }

  /** As {@code up} runs the services: a static member must be removed on close as well. */
  @Test
  void shouldRemoveAStaticMemberFromTheGroupOnClose(TestCluster cluster) throws Exception {
    startReadyAndClose(cluster, true);
  }

  private static void startReadyAndClose(TestCluster cluster, boolean staticMember)
      throws Exception {
    String suffix = UUID.randomUUID().toString();
    String input = "streams-service-in-" + suffix;
    String output = "streams-service-out-" + suffix;
    String applicationId = "streams-service-it-" + suffix;
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(input, 1, (short) 1), new NewTopic(output, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      StreamsService service =
          StreamsService.create(
              StreamsServiceIntegrationTest.class,
              "the test service",
              passThrough(input, output),
              properties(cluster, applicationId, staticMember),
              meters);
      try {
        assertThat(service.isRunning()).isFalse();

        service.start();

        await().atMost(Duration.ofSeconds(60)).until(service::isRunning);
        assertThat(service.state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(meters.getMeters())
            .anySatisfy(meter -> assertThat(meter.getId().getName()).startsWith("kafka.stream"));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> group(admin, applicationId).members().size() == 1);
      } finally {
        service.close();
      }

      assertThat(service.isRunning()).isFalse();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(group(admin, applicationId).members())
                      .as("members of %s after close", applicationId)
                      .isEmpty());
    }
  }

  private static ConsumerGroupDescription group(Admin admin, String groupId) throws Exception {
    return admin
        .describeConsumerGroups(List.of(groupId))
        .all()
        .get(30, TimeUnit.SECONDS)
        .get(groupId);
  }

  private static Topology passThrough(String input, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  private static Properties properties(
      TestCluster cluster, String applicationId, boolean staticMember) throws Exception {
    Properties properties = new Properties();
    properties.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    properties.put(
        StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams-service-it").toString());
    properties.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
    if (staticMember) {
      properties.put(
          StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
          applicationId + "-member");
    }
    return properties;
  }
}
