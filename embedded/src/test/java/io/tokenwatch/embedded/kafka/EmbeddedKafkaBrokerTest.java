package io.tokenwatch.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {
  @TempDir Path dir;

  @Test
  void shouldRejectPortsOutsideTheValidRange() {
    EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder(dir);

    assertThatThrownBy(() -> builder.brokerPort(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("brokerPort");
    assertThatThrownBy(() -> builder.controllerPort(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("controllerPort");
  }

  @Test
  void shouldRejectBlankHost() {
    assertThatThrownBy(() -> EmbeddedKafkaBroker.builder(dir).host(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host");
  }

  @Test
  void shouldNotKnowBootstrapServersBeforeAFreePortWasChosen() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir).build();

    assertThat(broker.isRunning()).isFalse();
    assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(broker::clusterId).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldReportFixedPortsBeforeStart() {
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder(dir).host("127.0.0.1").brokerPort(19092).build();

    assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:19092");
  }

  @Test
  void shouldFailClearlyWhenDataDirIsAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(file).build();

    assertThatThrownBy(broker::start)
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("data directory " + file.toAbsolutePath())
        .hasMessageContaining("not usable");
    assertThat(broker.isRunning()).isFalse();
  }

  @Test
  void shouldTreatStopOfABrokerThatNeverStartedAsNoOp() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir).build();

    broker.close();
    broker.close();

    assertThat(broker.isRunning()).isFalse();
  }
}
