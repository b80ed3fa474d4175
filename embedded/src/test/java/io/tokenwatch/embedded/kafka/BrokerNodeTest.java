package io.tokenwatch.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerNodeTest {

  @Test
  void shouldReadBackTheCommandLineItWritesForANode() {
    KraftQuorum quorum = KraftQuorum.of("localhost", Map.of(1, 9101, 2, 9102, 3, 9103));
    BrokerNode.Arguments arguments =
        new BrokerNode.Arguments(
            Path.of("/data/node-2"),
            2,
            quorum,
            "localhost",
            9092,
            Path.of("/data/node-2.ready"),
            Map.of(
                "log.cleaner.backoff.ms",
                "50",
                "listener.name.x.plain.sasl.jaas.config",
                "a=b c=d"));

    BrokerNode.Arguments parsed =
        BrokerNode.Arguments.parse(arguments.toCommandLine().toArray(String[]::new));

    assertThat(parsed).isEqualTo(arguments);
  }

  @Test
  void shouldRefuseAMissingArgumentNamingIt() {
    assertThatThrownBy(() -> BrokerNode.Arguments.parse(new String[] {"--node-id=1"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing argument --cluster-id");
    assertThatThrownBy(() -> BrokerNode.Arguments.parse(new String[] {"node-id"}))
        .hasMessageContaining("is not --name=value");
  }
}
