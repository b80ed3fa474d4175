package io.tokenwatch.schemas.compat;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Checks a new Avro schema against earlier versions with Avro's {@link SchemaCompatibility}, and
 * words every incompatibility so that it names the field at fault ({@code TokenIssued.scopes}), not
 * only a JSON pointer into the schema.
 *
 * <p>Stateless and thread-safe.
 */
public final class CompatibilityChecker {

  private CompatibilityChecker() {}

  /**
   * Checks {@code candidate} against {@code earlier} (oldest first) at {@code level}.
   *
   * @return one human-readable problem per incompatibility; empty when compatible
   */
  public static List<String> check(
      Schema candidate, List<Schema> earlier, CompatibilityLevel level) {
    requireNonNull(candidate, "candidate");
    requireNonNull(earlier, "earlier");
    requireNonNull(level, "level");
    if (level == CompatibilityLevel.NONE || earlier.isEmpty()) {
      return List.of();
    }
    List<Schema> against = level.transitive() ? earlier : List.of(earlier.get(earlier.size() - 1));
    List<String> problems = new ArrayList<>();
    for (Schema previous : against) {
      if (level.backward()) {
        problems.addAll(describe("backward", candidate, previous));
      }
      if (level.forward()) {
        problems.addAll(describe("forward", previous, candidate));
      }
    }
    return List.copyOf(problems);
  }

  private static List<String> describe(String direction, Schema reader, Schema writer) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return List.of();
    }
    List<String> problems = new ArrayList<>();
    for (Incompatibility incompatibility : result.getIncompatibilities()) {
      problems.add(
          String.format(
              "%s incompatible at %s (%s): %s",
              direction,
              fieldPath(reader, incompatibility.getLocation()),
              incompatibility.getType(),
              incompatibility.getMessage()));
    }
    return problems;
  }

  /**
   * Turns a location such as {@code /fields/3/type/1/fields/0} into {@code TokenIssued.binding.jkt}
   * by walking the reader schema.
   */
  static String fieldPath(Schema root, String location) {
    StringBuilder path = new StringBuilder(root.getName());
    Schema current = root;
    String[] steps = location.split("/");
    for (int i = 0; i < steps.length; i++) {
      String step = steps[i];
      if (step.isEmpty()) {
        continue;
      }
      if ("fields".equals(step)
          && i + 1 < steps.length
          && current.getType() == Schema.Type.RECORD) {
        int index = parseIndex(steps[++i]);
        if (index < 0 || index >= current.getFields().size()) {
          break;
        }
        Schema.Field field = current.getFields().get(index);
        path.append('.').append(field.name());
        current = field.schema();
      } else if ("items".equals(step) && current.getType() == Schema.Type.ARRAY) {
        current = current.getElementType();
        path.append("[]");
      } else if ("values".equals(step) && current.getType() == Schema.Type.MAP) {
        current = current.getValueType();
        path.append("{}");
      } else if (current.getType() == Schema.Type.UNION && parseIndex(step) >= 0) {
        int index = parseIndex(step);
        if (index < current.getTypes().size()) {
          current = current.getTypes().get(index);
        }
      } else if ("symbols".equals(step)) {
        path.append(" symbols");
        break;
      } else if ("name".equals(step)) {
        path.append(" name");
        break;
      }
    }
    return path.toString();
  }

  private static int parseIndex(String step) {
    try {
      return Integer.parseInt(step);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
