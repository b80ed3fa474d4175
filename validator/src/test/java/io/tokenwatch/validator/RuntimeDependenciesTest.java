package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The library stays small for its embedders: what Maven resolves onto its runtime classpath is
 * exactly what the README's Dependencies section lists. The build writes the resolved list to
 * {@code target/runtime-dependencies.txt} (maven-dependency-plugin {@code list}, runtime scope)
 * before the tests run.
 */
class RuntimeDependenciesTest {

  /** {@code group:artifact:type:version}, as the {@code list} goal writes it (scope left out). */
  private static final Pattern RESOLVED =
      Pattern.compile("^\\s+([\\w.-]+):([\\w.-]+):[\\w.-]+:[\\w.-]+", Pattern.MULTILINE);

  /** {@code `group:artifact`} in the README's table. */
  private static final Pattern LISTED = Pattern.compile("`([\\w.-]+):([\\w.-]+)`");

  @Test
  void shouldResolveExactlyTheRuntimeDependenciesTheReadmeLists() throws IOException {
    Set<String> resolved =
        coordinates(RESOLVED, read(Path.of("target", "runtime-dependencies.txt")));
    Set<String> listed = coordinates(LISTED, dependenciesSection());

    assertThat(resolved)
        .as(
            "runtime dependencies of the validator library; one outside the README's list reaches"
                + " every embedder: drop it, move the code that needs it to validator-sidecar, or"
                + " list it in validator/README.md with the reason")
        .isNotEmpty()
        .containsExactlyInAnyOrderElementsOf(listed);
  }

  @Test
  void shouldListNoHttpServerOrMetricsRegistry() throws IOException {
    assertThat(dependenciesSection())
        .doesNotContain("io.javalin", "org.eclipse.jetty", "micrometer-registry-prometheus");
  }

  private static String dependenciesSection() throws IOException {
    String readme = read(Path.of("README.md"));
    int start = readme.indexOf("## Dependencies");
    assertThat(start).as("README.md has a Dependencies section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return end < 0 ? readme.substring(start) : readme.substring(start, end);
  }

  private static Set<String> coordinates(Pattern pattern, String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      out.add(m.group(1) + ':' + m.group(2));
    }
    return out;
  }

  private static String read(Path path) throws IOException {
    return Files.readString(path, StandardCharsets.UTF_8);
  }
}
