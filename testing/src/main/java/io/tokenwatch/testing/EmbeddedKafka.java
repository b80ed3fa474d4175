package io.tokenwatch.testing;

import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The embedded broker on a throw-away data directory that is deleted on close. */
final class EmbeddedKafka implements KafkaBacking {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final Path dataDir;
  private final EmbeddedKafkaBroker broker;

  private EmbeddedKafka(Path dataDir, EmbeddedKafkaBroker broker) {
    this.dataDir = dataDir;
    this.broker = broker;
  }

  static EmbeddedKafka start() {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("tokenwatch-test-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a data directory for the test broker", e);
    }
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dataDir).build();
    try {
      broker.start();
    } catch (RuntimeException e) {
      deleteQuietly(dataDir);
      throw e;
    }
    log.info(
        "Test cluster: embedded Kafka on {} (started in {} ms)",
        broker.bootstrapServers(),
        broker.startupDuration().toMillis());
    return new EmbeddedKafka(dataDir, broker);
  }

  @Override
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  @Override
  public TestCluster.Kind kind() {
    return TestCluster.Kind.EMBEDDED;
  }

  @Override
  public void close() {
    try {
      broker.close();
    } finally {
      deleteQuietly(dataDir);
    }
  }

  @Override
  public String toString() {
    return "embedded Kafka on " + broker.bootstrapServers();
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedKafka::deleteOne);
    } catch (IOException | UncheckedIOException e) {
      log.warn("Could not delete test broker data directory {}: {}", dir, e.toString());
    }
  }

  private static void deleteOne(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
