package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.console.ConsoleConfig;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.app.SharedSignalsConfig;
import io.tokenwatch.validator.http.ValidatorConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's reference tables are generated from the code's declarations; this test fails when
 * they drift. {@code mvn test -pl cli -Dtest=ReadmeTablesTest -Dreadme.update=true} rewrites them.
 */
class ReadmeTablesTest {

  /** Every README with generated tables: file, marker name, generated content. */
  static Map<Path, Map<String, String>> generatedTables() {
    Map<Path, Map<String, String>> files = new LinkedHashMap<>();
    files.put(
        Path.of("..", "README.md"),
        Map.of("topic-table", Topics.markdownTable(), "serde-config", SerdeConfig.markdownTable()));
    files.put(
        Path.of("..", "validator-sidecar", "README.md"),
        Map.of("config-table", ValidatorConfig.markdownTable()));
    files.put(
        Path.of("..", "revocation-stream", "README.md"),
        Map.of("config-table", RevocationStreamConfig.markdownTable()));
    files.put(
        Path.of("..", "anomaly-detector", "README.md"),
        Map.of("config-table", AnomalyDetectorConfig.markdownTable()));
    files.put(
        Path.of("..", "issuer", "README.md"), Map.of("config-table", IssuerConfig.markdownTable()));
    files.put(
        Path.of("..", "audit-sink", "README.md"),
        Map.of("config-table", AuditSinkConfig.markdownTable()));
    files.put(
        Path.of("..", "console", "README.md"),
        Map.of("config-table", ConsoleConfig.markdownTable()));
    files.put(
        Path.of("..", "shared-signals", "README.md"),
        Map.of("config-table", SharedSignalsConfig.markdownTable()));
    Map<String, String> reference = new LinkedHashMap<>();
    reference.put("issuer-config", IssuerConfig.markdownTable());
    reference.put("validator-config", ValidatorConfig.markdownTable());
    reference.put("revocation-stream-config", RevocationStreamConfig.markdownTable());
    reference.put("anomaly-detector-config", AnomalyDetectorConfig.markdownTable());
    reference.put("audit-sink-config", AuditSinkConfig.markdownTable());
    reference.put("shared-signals-config", SharedSignalsConfig.markdownTable());
    reference.put("serde-config", SerdeConfig.markdownTable());
    reference.put("issuer-deprecated-keys", IssuerConfig.deprecatedKeys().markdownTable());
    reference.put(
        "revocation-stream-deprecated-keys",
        RevocationStreamConfig.deprecatedKeys().markdownTable());
    reference.put(
        "anomaly-detector-deprecated-keys", AnomalyDetectorConfig.deprecatedKeys().markdownTable());
    reference.put("audit-sink-deprecated-keys", AuditSinkConfig.deprecatedKeys().markdownTable());
    files.put(Path.of("..", "docs", "CONFIGURATION.md"), reference);
    return files;
  }

  @Test
  void shouldMatchTheTablesGeneratedFromTheCode() throws IOException {
    for (Map.Entry<Path, Map<String, String>> file : generatedTables().entrySet()) {
      String readme = Files.readString(file.getKey(), StandardCharsets.UTF_8);
      String expected = readme;
      for (Map.Entry<String, String> table : file.getValue().entrySet()) {
        expected = replaceBetweenMarkers(expected, table.getKey(), table.getValue());
      }
      if (Boolean.getBoolean("readme.update")) {
        Files.writeString(file.getKey(), expected, StandardCharsets.UTF_8);
        continue;
      }
      assertThat(readme)
          .as("tables of %s are stale; regenerate with -Dreadme.update=true", file.getKey())
          .isEqualTo(expected);
    }
  }

  private static String replaceBetweenMarkers(String text, String name, String content) {
    String start = "<!-- " + name + ":start -->\n";
    String end = "<!-- " + name + ":end -->";
    int from = text.indexOf(start);
    int to = text.indexOf(end);
    assertThat(from).as("README has marker %s", start.strip()).isNotNegative();
    assertThat(to).as("README has marker %s", end).isGreaterThan(from);
    return text.substring(0, from + start.length()) + content + text.substring(to);
  }
}
