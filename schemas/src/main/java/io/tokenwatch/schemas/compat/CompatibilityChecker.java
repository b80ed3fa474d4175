package io.tokenwatch.schemas.compat;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * Checks a new Avro schema against earlier versions with Avro's {@link SchemaCompatibility}, and
 * words every incompatibility so that it names the field at fault ({@code TokenIssued.scopes}), not
 * only a JSON pointer into the schema.
 *
 * <p>Stateless and thread-safe.
 */
public final class CompatibilityChecker {

  /** Deeper than any real schema nests unions of named types; only stops runaway recursion. */
  private static final int MAX_UNION_DEPTH = 16;

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
    List<String> problems = new ArrayList<>();
    describeInto(problems, direction, reader, writer, reader.getName(), 0);
    return problems;
  }

  private static void describeInto(
      List<String> problems,
      String direction,
      Schema reader,
      Schema writer,
      String rootPath,
      int depth) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (Incompatibility incompatibility : result.getIncompatibilities()) {
      String path = fieldPath(rootPath, reader, incompatibility.getLocation());
      if (incompatibility.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH
          && depth < MAX_UNION_DEPTH) {
        // Avro reports a changed record or enum inside an optional field only as "reader union
        // lacking writer type: RECORD"; checking the two same-named branches finds the field.
        Schema[] branches = sameNamedBranches(incompatibility);
        int before = problems.size();
        if (branches.length == 2) {
          describeInto(problems, direction, branches[0], branches[1], path, depth + 1);
        }
        if (problems.size() > before) {
          continue;
        }
      }
      problems.add(
          String.format(
              "%s incompatible at %s (%s): %s",
              direction, path, incompatibility.getType(), incompatibility.getMessage()));
    }
  }

  /**
   * For a missing union branch, the reader's and the writer's branch of the same named type (a
   * record or enum that changed incompatibly); empty when the writer branch has no namesake.
   */
  private static Schema[] sameNamedBranches(Incompatibility incompatibility) {
    Schema readerUnion = incompatibility.getReaderFragment();
    Schema writer = incompatibility.getWriterFragment();
    if (readerUnion.getType() != Schema.Type.UNION) {
      return new Schema[0];
    }
    Schema writerBranch = writer;
    if (writer.getType() == Schema.Type.UNION) {
      String location = incompatibility.getLocation();
      int index = parseIndex(location.substring(location.lastIndexOf('/') + 1));
      if (index < 0 || index >= writer.getTypes().size()) {
        return new Schema[0];
      }
      writerBranch = writer.getTypes().get(index);
    }
    if (!isNamed(writerBranch)) {
      return new Schema[0];
    }
    for (Schema readerBranch : readerUnion.getTypes()) {
      if (isNamed(readerBranch) && readerBranch.getFullName().equals(writerBranch.getFullName())) {
        return new Schema[] {readerBranch, writerBranch};
      }
    }
    return new Schema[0];
  }

  private static boolean isNamed(Schema schema) {
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> true;
      default -> false;
    };
  }

  /**
   * Turns a location such as {@code /fields/3/type/1/fields/0} into {@code TokenIssued.binding.jkt}
   * by walking the reader schema {@code root}, whose own path is {@code rootPath}.
   */
  static String fieldPath(String rootPath, Schema root, String location) {
    StringBuilder path = new StringBuilder(rootPath);
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
