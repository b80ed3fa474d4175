package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code tokenwatch topics --ensure} with explicit replication settings, on the one-broker cluster.
 */
@KafkaIntegrationTest
class TopicsCommandIntegrationTest {

  @Test
  void shouldRefuseMoreReplicasThanTheClusterHasBrokersNamingTheKeyBeforeCreatingAnything(
      TestCluster cluster) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit =
        cli.execute(
            "topics",
            "--ensure",
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            cluster.schemaRegistryUrl(),
            "--set",
            "topics.replication.factor=3");

    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("tokenwatch topics: ")
        .contains("topics.replication.factor")
        .contains("the cluster has 1 broker")
        .contains("at most 1");
    assertThat(out.toString()).doesNotContain("created:");
  }
}
