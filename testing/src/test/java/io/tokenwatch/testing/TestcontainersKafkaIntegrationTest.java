package io.tokenwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** Proves the container backing where Docker runs; skipped where it does not. */
@Tag("integration")
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersKafkaIntegrationTest {
  @Container static final KafkaContainer kafka = ContainerKafka.newContainer();

  @Test
  void shouldCreateAndListTopicsOnTheContainer() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic("container-topic", 1, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);

      assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("container-topic");
    }
  }
}
