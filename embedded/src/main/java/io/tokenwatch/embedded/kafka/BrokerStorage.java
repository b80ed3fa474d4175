package io.tokenwatch.embedded.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import kafka.server.KafkaConfig;
import org.apache.kafka.metadata.properties.MetaProperties;
import org.apache.kafka.metadata.properties.PropertiesUtils;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/** Formats a KRaft log directory once and reads back the identity it was formatted with. */
final class BrokerStorage {
  static final String META_PROPERTIES = "meta.properties";

  private BrokerStorage() {}

  /**
   * Formats {@code logDir} as a node of cluster {@code clusterId} (its static quorum read from
   * {@code config}) unless it already holds {@code meta.properties}; an existing directory keeps
   * its cluster id, topics and data.
   *
   * @return true if the directory was formatted now
   */
  static boolean formatIfNeeded(
      KafkaConfig config, Path logDir, String controllerListener, String clusterId)
      throws Exception {
    if (Files.exists(logDir.resolve(META_PROPERTIES))) {
      return false;
    }
    // The formatter reports progress on a PrintStream; keep it out of the application's stdout.
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(out)
          .setNodeId(config.nodeId())
          .setClusterId(clusterId)
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(Optional.of(logDir.toString()))
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setControllerListenerName(controllerListener)
          .setIgnoreFormatted(false)
          .run();
    }
    return true;
  }

  /** The cluster id recorded in {@code logDir}'s {@code meta.properties}. */
  static String clusterId(Path logDir) throws IOException {
    MetaProperties meta =
        new MetaProperties.Builder(
                PropertiesUtils.readPropertiesFile(logDir.resolve(META_PROPERTIES).toString()))
            .build();
    return meta.clusterId()
        .orElseThrow(() -> new IOException("no cluster.id in " + logDir.resolve(META_PROPERTIES)));
  }
}
