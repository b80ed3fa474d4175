package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Renders a {@link ConfigDef} as the Markdown table the READMEs carry, one row per key in
 * declaration order, so that every component's documentation is generated from its one declaration
 * (and tests fail when a README drifts from it).
 */
public final class ConfigTables {

  private ConfigTables() {}

  /** The table: key, type, default, valid values, description. */
  public static String markdown(ConfigDef definition) {
    requireNonNull(definition, "definition");
    StringBuilder table = new StringBuilder();
    table.append("| Key | Type | Default | Valid values | Description |\n");
    table.append("|---|---|---|---|---|\n");
    for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
      table
          .append("| `")
          .append(key.name)
          .append("` | ")
          .append(key.type.name().toLowerCase(Locale.ROOT))
          .append(" | ")
          .append(defaultText(key))
          .append(" | ")
          .append(key.validator == null ? "" : cell(key.validator.toString()))
          .append(" | ")
          .append(cell(key.documentation))
          .append(" |\n");
    }
    return table.toString();
  }

  private static String defaultText(ConfigDef.ConfigKey key) {
    if (!key.hasDefault()) {
      return "(required)";
    }
    Object value = key.defaultValue;
    if (value == null || "".equals(value)) {
      return "";
    }
    if (value instanceof List<?> list) {
      return list.isEmpty()
          ? ""
          : "`" + list.stream().map(String::valueOf).collect(Collectors.joining(",")) + "`";
    }
    return "`" + value + "`";
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
