package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The validator sidecar's image leaves out DuckDB, RocksDB, the broker, Scala and the other
 * services: its entry point must work without them, where {@link Tokenwatch}'s cannot.
 */
class SidecarImageTest {

  /** What the sidecar's image does not carry (docker/Dockerfile, target sidecar). */
  private static final Pattern NOT_IN_THE_SIDECAR_IMAGE =
      Pattern.compile(
          "duckdb|rocksdbjni|kafka_2\\.|kafka-server|kafka-storage|kafka-raft|kafka-metadata"
              + "|kafka-group-coordinator|scala-|jte-|"
              + "(audit-sink|anomaly-detector|revocation-stream|issuer|people)[/\\\\]target"
              + "|tokenwatch-(audit-sink|anomaly-detector|revocation-stream|issuer|people)-");

  @Test
  void shouldShowTheValidatorCommandWithoutTheJarsTheSidecarImageLeavesOut() throws Exception {
    List<URL> kept = new ArrayList<>();
    int left = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (NOT_IN_THE_SIDECAR_IMAGE.matcher(entry).find()) {
        left++;
      } else {
        kept.add(Path.of(entry).toUri().toURL());
      }
    }
    assertThat(left).as("jars and modules left out").isPositive();

    try (URLClassLoader sidecar =
        new URLClassLoader(kept.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      Method commandLine =
          sidecar.loadClass(SidecarImage.class.getName()).getDeclaredMethod("commandLine");
      commandLine.setAccessible(true);
      Object cli = commandLine.invoke(null);
      Object execute =
          cli.getClass().getMethod("execute", String[].class).invoke(cli, (Object) helpOf());
      assertThat(execute).isEqualTo(0);

      Method fullCommandLine =
          sidecar.loadClass(Tokenwatch.class.getName()).getMethod("commandLine");
      assertThatThrownBy(() -> fullCommandLine.invoke(null))
          .as("the full command needs what the sidecar image leaves out")
          .hasRootCauseInstanceOf(ClassNotFoundException.class);
    }
  }

  private static String[] helpOf() {
    return new String[] {"validator", "--help"};
  }
}
