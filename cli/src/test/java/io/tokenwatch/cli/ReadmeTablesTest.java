package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
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

  private static final Path README = Path.of("..", "README.md");

  static Map<String, String> generatedTables() {
    Map<String, String> tables = new LinkedHashMap<>();
    tables.put("topic-table", Topics.markdownTable());
    tables.put("serde-config", SerdeConfig.markdownTable());
    return tables;
  }

  @Test
  void shouldMatchTheTablesGeneratedFromTheCode() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    String expected = readme;
    for (Map.Entry<String, String> table : generatedTables().entrySet()) {
      expected = replaceBetweenMarkers(expected, table.getKey(), table.getValue());
    }
    if (Boolean.getBoolean("readme.update")) {
      Files.writeString(README, expected, StandardCharsets.UTF_8);
      return;
    }
    assertThat(readme)
        .as("README tables are stale; regenerate with -Dreadme.update=true")
        .isEqualTo(expected);
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
