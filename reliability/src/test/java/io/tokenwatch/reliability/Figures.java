package io.tokenwatch.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts a reliability test asserted on, logged and appended to {@code
 * target/reliability-figures.txt} so docs/RELIABILITY.md can quote the figures of the last run.
 */
final class Figures {

  private static final Logger log = LoggerFactory.getLogger(Figures.class);
  private static final Path FILE = Path.of("target", "reliability-figures.txt");

  private Figures() {}

  static void record(String test, Map<String, ?> counts) {
    String line =
        Instant.now()
            + " "
            + test
            + ": "
            + counts.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    log.info("Figures {}", line);
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(
          FILE,
          line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + FILE, e);
    }
  }
}
