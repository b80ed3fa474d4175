package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The old names of renamed keys. An old name still works: {@link ConfigCheck} reads it as the new
 * key and reports a deprecation warning naming the new one; both given with different values is a
 * problem. Immutable.
 */
public final class DeprecatedKeys {

  private static final DeprecatedKeys NONE = new DeprecatedKeys(Map.of());

  private final Map<String, String> replacements;

  private DeprecatedKeys(Map<String, String> replacements) {
    this.replacements = replacements;
  }

  /** No renamed keys. */
  public static DeprecatedKeys none() {
    return NONE;
  }

  /** A builder, to list renames in the order the documentation shows them. */
  public static Builder builder() {
    return new Builder();
  }

  /** Old name to new name, in declaration order. */
  public Map<String, String> replacements() {
    return replacements;
  }

  /** The key {@code key} stands for: its new name if it is an old one, else itself. */
  public String canonical(String key) {
    return replacements.getOrDefault(requireNonNull(key, "key"), key);
  }

  /** The old names of {@code key}, empty when it was never renamed. */
  public Set<String> aliasesOf(String key) {
    requireNonNull(key, "key");
    Set<String> aliases = new LinkedHashSet<>();
    replacements.forEach(
        (old, replacement) -> {
          if (replacement.equals(key)) {
            aliases.add(old);
          }
        });
    return aliases;
  }

  /**
   * Checks that every new name is declared in {@code definition} and no old one is.
   *
   * @throws IllegalArgumentException naming the first rename that is not so
   */
  public void requireConsistentWith(ConfigDef definition) {
    requireNonNull(definition, "definition");
    replacements.forEach(
        (old, replacement) -> {
          if (!definition.names().contains(replacement)) {
            throw new IllegalArgumentException(
                old + " is renamed to " + replacement + ", which is not declared");
          }
          if (definition.names().contains(old)) {
            throw new IllegalArgumentException(old + " is both declared and deprecated");
          }
        });
  }

  /** The renames as a Markdown table: old key, new key. */
  public String markdownTable() {
    StringBuilder table = new StringBuilder("| Old key (deprecated) | New key |\n|---|---|\n");
    replacements.forEach(
        (old, replacement) ->
            table.append("| `").append(old).append("` | `").append(replacement).append("` |\n"));
    return table.toString();
  }

  /** Collects renames. */
  public static final class Builder {
    private final Map<String, String> replacements = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Records that {@code oldName} is now {@code newName}.
     *
     * @throws IllegalArgumentException when {@code oldName} was already renamed, or either name is
     *     the other
     */
    public Builder renamed(String oldName, String newName) {
      requireNonNull(oldName, "oldName");
      requireNonNull(newName, "newName");
      if (oldName.equals(newName) || replacements.containsKey(oldName)) {
        throw new IllegalArgumentException("renamed twice or to itself: " + oldName);
      }
      replacements.put(oldName, newName);
      return this;
    }

    /** The renames recorded. */
    public DeprecatedKeys build() {
      return new DeprecatedKeys(Collections.unmodifiableMap(new LinkedHashMap<>(replacements)));
    }
  }
}
