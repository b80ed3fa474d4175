package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * The validators the services' declarations share, so that a duration, a URL or a port is checked
 * (and described in the configuration tables) the same way everywhere. Each one's {@code toString}
 * is the "valid values" cell of the tables.
 */
public final class ConfigValidators {

  private ConfigValidators() {}

  /** A string that is not empty or only white space. */
  public static ConfigDef.Validator nonBlank() {
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (value == null || String.valueOf(value).isBlank()) {
            throw new ConfigException(name, value, "must not be blank");
          }
        },
        () -> "non-blank");
  }

  /** A TCP port; 0 lets the system pick a free one. */
  public static ConfigDef.Validator port() {
    return ConfigDef.Range.between(0, 65_535);
  }

  /** An absolute {@code http} or {@code https} URL with a host. */
  public static ConfigDef.Validator httpUrl() {
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (!isHttpUrl(value)) {
            throw new ConfigException(name, value, "must be an http(s) URL");
          }
        },
        () -> "http(s) URL");
  }

  /** {@link #httpUrl()} without a query: a base other URLs are built on. */
  public static ConfigDef.Validator httpUrlWithoutQuery() {
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (!isHttpUrl(value) || URI.create(String.valueOf(value)).getRawQuery() != null) {
            throw new ConfigException(name, value, "must be an http(s) URL without query");
          }
        },
        () -> "http(s) URL without query");
  }

  /** Empty, or valid for {@code validator}. */
  public static ConfigDef.Validator emptyOr(ConfigDef.Validator validator) {
    requireNonNull(validator, "validator");
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (value != null && !String.valueOf(value).isBlank()) {
            validator.ensureValid(name, value);
          }
        },
        () -> "empty or " + validator);
  }

  /** A duration as {@link Durations#parse} reads it, at least {@code min}. */
  public static ConfigDef.Validator duration(Duration min) {
    requireNonNull(min, "min");
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (value == null) {
            return;
          }
          Duration duration;
          try {
            duration = Durations.parse(String.valueOf(value));
          } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, "not a duration (e.g. 30s, 500ms, 5m, PT1M)");
          }
          if (duration.compareTo(min) < 0) {
            throw new ConfigException(name, value, "must be at least " + Durations.format(min));
          }
        },
        () -> "duration >= " + Durations.format(min));
  }

  /**
   * A secret ({@code Type.PASSWORD}) that is unset or a SHA-256 as 64 hex digits. The problem it
   * reports never contains the value.
   */
  public static ConfigDef.Validator sha256HexSecret() {
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          if (value instanceof Password secret && !isSha256Hex(secret.value())) {
            throw new ConfigException(name + " must be a SHA-256 as 64 hex digits (value hidden)");
          }
        },
        () -> "64 hex digits");
  }

  /**
   * Whatever {@code parser} accepts; the message of the {@link IllegalArgumentException} it throws
   * becomes the problem. {@code Type.LIST} values reach the parser one item at a time.
   *
   * @param description the "valid values" cell of the tables
   */
  public static ConfigDef.Validator parsedBy(String description, Consumer<String> parser) {
    requireNonNull(description, "description");
    requireNonNull(parser, "parser");
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          try {
            for (String item : items(value)) {
              parser.accept(item);
            }
          } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage());
          }
        },
        () -> description);
  }

  /**
   * Whatever {@code parser} accepts as a whole list; for a {@code Type.LIST} whose items are only
   * meaningful together.
   */
  public static ConfigDef.Validator listParsedBy(
      String description, Consumer<List<String>> parser) {
    requireNonNull(description, "description");
    requireNonNull(parser, "parser");
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          try {
            parser.accept(items(value));
          } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage());
          }
        },
        () -> description);
  }

  private static List<String> items(@Nullable Object value) {
    List<String> items = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(item -> items.add(String.valueOf(item)));
    } else if (value != null) {
      items.add(String.valueOf(value));
    }
    return items;
  }

  private static boolean isHttpUrl(@Nullable Object value) {
    if (value == null) {
      return false;
    }
    try {
      URI uri = URI.create(String.valueOf(value));
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isSha256Hex(String value) {
    return value.length() == 64 && value.chars().allMatch(c -> Character.digit(c, 16) >= 0);
  }
}
