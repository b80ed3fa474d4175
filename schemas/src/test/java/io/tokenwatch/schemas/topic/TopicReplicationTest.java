package io.tokenwatch.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class TopicReplicationTest {

  @Test
  void shouldKeepOneCopyOnOneBrokerAndThreeWithTwoInSyncOnThreeOrMore() {
    assertThat(TopicReplication.resolve(Map.of(), 1)).isEqualTo(new TopicReplication(1, 1));
    assertThat(TopicReplication.resolve(Map.of(), 2)).isEqualTo(new TopicReplication(2, 1));
    assertThat(TopicReplication.resolve(Map.of(), 3)).isEqualTo(new TopicReplication(3, 2));
    assertThat(TopicReplication.resolve(Map.of(), 7)).isEqualTo(new TopicReplication(3, 2));
  }

  @Test
  void shouldTakeExplicitSettingsGivenAsTextOrNumbers() {
    assertThat(
            TopicReplication.resolve(
                Map.of(TopicReplication.FACTOR, "2", TopicReplication.MIN_INSYNC, 2), 3))
        .isEqualTo(new TopicReplication(2, 2));
    assertThat(TopicReplication.resolve(Map.of(TopicReplication.FACTOR, 5), 5))
        .isEqualTo(new TopicReplication(5, 4));
    assertThat(TopicReplication.resolve(Map.of(TopicReplication.MIN_INSYNC, "1"), 3))
        .isEqualTo(new TopicReplication(3, 1));
  }

  @Test
  void shouldRefuseMoreReplicasThanBrokersNamingTheKeyAndTheLimit() {
    assertThatThrownBy(() -> TopicReplication.resolve(Map.of(TopicReplication.FACTOR, "3"), 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(TopicReplication.FACTOR)
        .hasMessageContaining("the cluster has 1 broker")
        .hasMessageContaining("at most 1");
  }

  @Test
  void shouldRefuseAnInSyncMinimumAboveTheFactorOrAValueThatIsNoNumber() {
    assertThatThrownBy(() -> TopicReplication.resolve(Map.of(TopicReplication.MIN_INSYNC, "3"), 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(TopicReplication.MIN_INSYNC);
    assertThatThrownBy(() -> TopicReplication.resolve(Map.of(TopicReplication.FACTOR, "three"), 3))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> TopicReplication.resolve(Map.of(TopicReplication.FACTOR, 0), 3))
        .isInstanceOf(ConfigException.class);
  }

  @Property
  void shouldNeverAskMoreReplicasThanBrokersNorMoreInSyncThanReplicas(
      @ForAll @IntRange(min = 1, max = 50) int brokers) {
    TopicReplication replication = TopicReplication.resolve(Map.of(), brokers);
    assertThat(replication.factor()).isBetween(1, Math.min(3, brokers));
    assertThat(replication.minInsyncReplicas()).isBetween(1, replication.factor());
    // A write survives the loss of one broker wherever the cluster has a spare one.
    if (brokers >= 3) {
      assertThat(replication.factor() - replication.minInsyncReplicas()).isEqualTo(1);
    }
  }
}
