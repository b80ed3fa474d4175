package io.tokenwatch.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL set shipped in {@code docker/kafka-acls/tokenwatch.acl}, read as Kafka ACL bindings: one
 * allow rule a line, {@code principal operation resource-type pattern-type name}, {@code #}
 * comments.
 */
final class AclFile {

  /** The shipped file, from the reliability module's directory. */
  static final Path SHIPPED = Path.of("..", "docker", "kafka-acls", "tokenwatch.acl");

  private AclFile() {}

  static List<AclBinding> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    List<AclBinding> bindings = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (fields.length != 5) {
        throw new IllegalArgumentException("expected 5 fields in " + file + ": " + raw);
      }
      bindings.add(
          new AclBinding(
              new ResourcePattern(
                  ResourceType.valueOf(fields[2].toUpperCase(Locale.ROOT)),
                  fields[4],
                  PatternType.valueOf(fields[3].toUpperCase(Locale.ROOT))),
              new AccessControlEntry(
                  fields[0],
                  "*",
                  AclOperation.valueOf(fields[1].toUpperCase(Locale.ROOT)),
                  AclPermissionType.ALLOW)));
    }
    return bindings;
  }
}
