package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * The parsed values of a validated configuration, read through typed getters instead of casts. A
 * getter asked for a key the declaration does not have, or for the wrong type, throws {@link
 * IllegalArgumentException}: a programming error, not a configuration problem. Immutable; {@link
 * #toString()} hides secrets.
 */
public final class ConfigValues {

  private final Map<String, @Nullable Object> values;

  ConfigValues(Map<String, @Nullable Object> values) {
    this.values = values;
  }

  /** Parses {@code declared}, whose values {@code definition} has already validated. */
  static ConfigValues parse(ConfigDef definition, Map<String, String> declared) {
    return new ConfigValues(
        Collections.unmodifiableMap(new LinkedHashMap<>(definition.parse(declared))));
  }

  /** A {@code Type.STRING} value; required keys and keys with a default are never null. */
  public String string(String key) {
    return typed(key, String.class);
  }

  /** A {@code Type.STRING} value, empty when blank. */
  public Optional<String> nonBlank(String key) {
    @Nullable Object value = present(key, true);
    return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
  }

  /** A {@code Type.INT} value. */
  public int intValue(String key) {
    return typed(key, Integer.class);
  }

  /** A {@code Type.LONG} value. */
  public long longValue(String key) {
    return typed(key, Long.class);
  }

  /** A {@code Type.DOUBLE} value. */
  public double doubleValue(String key) {
    return typed(key, Double.class);
  }

  /** A {@code Type.BOOLEAN} value. */
  public boolean bool(String key) {
    return typed(key, Boolean.class);
  }

  /** A {@code Type.LIST} value, items trimmed. */
  public List<String> list(String key) {
    List<?> list = typed(key, List.class);
    List<String> items = new ArrayList<>();
    list.forEach(item -> items.add(String.valueOf(item).trim()));
    return List.copyOf(items);
  }

  /** A {@code Type.PASSWORD} value, empty when unset. */
  public Optional<Password> password(String key) {
    @Nullable Object value = present(key, true);
    return value instanceof Password p ? Optional.of(p) : Optional.empty();
  }

  /** A {@code Type.STRING} value holding a duration (see {@link Durations#parse}). */
  public Duration duration(String key) {
    return Durations.parse(string(key));
  }

  /** A {@code Type.LONG} value in milliseconds. */
  public Duration millis(String key) {
    return Duration.ofMillis(longValue(key));
  }

  /** A {@code Type.LONG} or {@code Type.INT} value in seconds. */
  public Duration seconds(String key) {
    Number value = typed(key, Number.class);
    return Duration.ofSeconds(value.longValue());
  }

  private <T> T typed(String key, Class<T> type) {
    @Nullable Object value = present(key, false);
    if (!type.isInstance(value)) {
      throw new IllegalArgumentException(
          key + " is " + (value == null ? "unset" : value.getClass().getSimpleName()));
    }
    return type.cast(value);
  }

  private @Nullable Object present(String key, boolean nullable) {
    requireNonNull(key, "key");
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException(key + " is not declared");
    }
    @Nullable Object value = values.get(key);
    if (value == null && !nullable) {
      throw new IllegalArgumentException(key + " is unset");
    }
    return value;
  }

  @Override
  public String toString() {
    // Password prints as [hidden].
    return values.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
