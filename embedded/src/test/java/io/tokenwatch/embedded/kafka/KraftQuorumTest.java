package io.tokenwatch.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class KraftQuorumTest {

  private static final String CLUSTER = Uuid.randomUuid().toString();

  @Test
  void shouldWriteTheVotersAsKafkaReadsThemAndParseThemBack() {
    KraftQuorum quorum = KraftQuorum.of(CLUSTER, "localhost", Map.of(2, 9102, 1, 9101, 3, 9103));

    assertThat(quorum.votersProperty())
        .isEqualTo("1@localhost:9101,2@localhost:9102,3@localhost:9103");
    assertThat(KraftQuorum.parse(CLUSTER, quorum.votersProperty())).isEqualTo(quorum);
    assertThat(quorum.size()).isEqualTo(3);
    assertThat(quorum.controllerPort(2)).isEqualTo(9102);
  }

  @Test
  void shouldRefuseMalformedVotersNamingTheEntry() {
    assertThatThrownBy(() -> KraftQuorum.parse(CLUSTER, "1@localhost:9101,localhost:9102"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'localhost:9102'");
    assertThatThrownBy(() -> KraftQuorum.parse(CLUSTER, "1@a:1,1@b:2"))
        .hasMessageContaining("node 1 is listed twice");
    assertThatThrownBy(() -> KraftQuorum.parse(CLUSTER, "1@localhost:port"))
        .hasMessageContaining("no numeric port");
  }

  @Test
  void shouldRefuseAClusterIdKafkaCannotReadAndANodeOutsideTheQuorum() {
    assertThatThrownBy(() -> KraftQuorum.of("not-a-uuid", "localhost", Map.of(1, 9101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a Kafka cluster id");
    KraftQuorum quorum = KraftQuorum.of(CLUSTER, "localhost", Map.of(1, 9101));
    assertThatThrownBy(
            () -> EmbeddedKafkaBroker.builder(java.nio.file.Path.of("x")).member(quorum, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node 2 is not one of the quorum's voters [1]");
  }
}
