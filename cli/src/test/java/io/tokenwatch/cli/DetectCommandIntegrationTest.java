package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch detect --replay} as an operator runs it, on the real broker: the same window
 * twice in a row, each run exiting 0 with its summary and leaving no group, topic or state behind.
 */
@KafkaIntegrationTest
class DetectCommandIntegrationTest {

  @TempDir Path stateDir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine commandLine = Tokenwatch.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void shouldReplayTheSameWindowTwiceInARowPrintingASummaryAndLeavingNothingBehind(
      TestCluster cluster) throws Exception {
    // A window no other test writes into: its replays read nothing, and still run the whole
    // lifecycle (group, Streams client, internal topics, state) that a second run used to trip on.
    Instant from = Instant.now().plus(Duration.ofDays(3650)).truncatedTo(ChronoUnit.HOURS);
    Instant to = from.plus(Duration.ofHours(1));
    String prefix = "tokenwatch-anomaly-detector-replay-" + from.toEpochMilli() + "-";
    for (int attempt = 1; attempt <= 2; attempt++) {
      String topic = "backtest-cli-" + UUID.randomUUID();
      int code =
          run(
              "detect",
              "--replay",
              "--from",
              from.toString(),
              "--to",
              to.toString(),
              "--output-topic",
              topic,
              "--bootstrap-servers",
              cluster.bootstrapServers(),
              "--schema-registry-url",
              cluster.schemaRegistryUrl(),
              "--set",
              "state.dir=" + stateDir);
      assertThat(code).as("attempt %s; stderr: %s", attempt, err).isZero();
      assertThat(out.toString())
          .as("attempt %s", attempt)
          .contains(
              "tokenwatch detect: replayed " + from + " .. " + to + ": 0 events read, 0 alerts")
          .contains("alerts in " + topic + " (created with retention.ms=-1")
          .contains("removed " + prefix);
      assertThat(err.toString()).doesNotContain("Exception").doesNotContain("\tat ");
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
        assertThat(
                admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(GroupListing::groupId))
            .noneMatch(group -> group.startsWith(prefix));
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .noneMatch(name -> name.startsWith(prefix));
      }
      try (Stream<Path> left = Files.list(stateDir)) {
        assertThat(left).isEmpty();
      }
    }
  }
}
