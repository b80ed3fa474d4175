package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.serde.SerdeConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * The first half of every service configuration's {@code of(Map)}: every declared key validated
 * against its {@link ConfigDef}, and the schema registry settings against {@link SerdeConfig}, with
 * every problem collected (never a secret's value) so the service can add its own checks and then
 * refuse to start naming them all at once.
 */
public final class ConfigCheck {

  /** The key naming the Kafka brokers, in every service. */
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

  /**
   * Adds {@value #BOOTSTRAP_SERVERS} (required, at least one broker) and the schema registry's URLs
   * (required), as every Kafka service declares them, to {@code def}; returns {@code def}.
   */
  public static ConfigDef defineBrokerAndRegistry(ConfigDef def) {
    return def.define(
            BOOTSTRAP_SERVERS,
            ConfigDef.Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigDef.LambdaValidator.with(
                (name, value) -> {
                  if (value instanceof List<?> servers && servers.isEmpty()) {
                    throw new ConfigException(name, value, "at least one broker is required");
                  }
                },
                () -> "non-empty list of host:port"),
            ConfigDef.Importance.HIGH,
            "Kafka brokers to bootstrap from, comma-separated host:port.")
        .define(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            ConfigDef.Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigDef.Importance.HIGH,
            "Schema registry base URLs (Confluent REST API). The other schema.registry.* keys of"
                + " the serdes apply as well.");
  }

  private final Map<String, String> originals;
  private final Map<String, String> declared;
  private final List<String> problems;
  private final @Nullable SerdeConfig serde;

  private ConfigCheck(
      Map<String, String> originals,
      Map<String, String> declared,
      List<String> problems,
      @Nullable SerdeConfig serde) {
    this.originals = originals;
    this.declared = declared;
    this.problems = problems;
    this.serde = serde;
  }

  /**
   * Checks {@code configs} against {@code definition} and the registry settings.
   *
   * @param configs the settings as given; values are turned into strings, passwords revealed for
   *     parsing only
   */
  public static ConfigCheck of(ConfigDef definition, Map<String, ?> configs) {
    requireNonNull(definition, "definition");
    requireNonNull(configs, "configs");
    Map<String, String> originals = new LinkedHashMap<>();
    configs.forEach(
        (key, value) -> {
          if (value != null) {
            originals.put(key, value instanceof Password p ? p.value() : String.valueOf(value));
          }
        });
    Map<String, String> declared = new LinkedHashMap<>();
    for (String name : definition.names()) {
      if (originals.containsKey(name)) {
        declared.put(name, originals.get(name));
      }
    }
    List<String> problems = new ArrayList<>();
    Map<String, ConfigValue> validated = new HashMap<>();
    for (ConfigValue value : definition.validate(declared)) {
      validated.put(value.name(), value);
    }
    for (String name : definition.configKeys().keySet()) {
      ConfigValue value = validated.get(name);
      if (value != null && !value.errorMessages().isEmpty()) {
        problems.add(value.errorMessages().get(0));
      }
    }
    SerdeConfig serde = null;
    try {
      serde = SerdeConfig.of(originals);
    } catch (ConfigException e) {
      if (problems.stream().noneMatch(p -> p.contains(SerdeConfig.SCHEMA_REGISTRY_URL))) {
        problems.add(e.getMessage());
      }
    }
    return new ConfigCheck(
        Collections.unmodifiableMap(originals),
        Collections.unmodifiableMap(declared),
        problems,
        serde);
  }

  /**
   * The settings of {@code settings} whose key starts with {@code prefix}, with the prefix removed:
   * how a service hands {@code streams.*}, {@code kafka.*} or {@code consumer.*} keys to its Kafka
   * clients.
   */
  public static Map<String, String> withoutPrefix(Map<String, String> settings, String prefix) {
    Map<String, String> stripped = new LinkedHashMap<>();
    settings.forEach(
        (key, value) -> {
          if (key.startsWith(prefix)) {
            stripped.put(key.substring(prefix.length()), value);
          }
        });
    return stripped;
  }

  /** Every setting given, as strings. */
  public Map<String, String> originals() {
    return originals;
  }

  /** The settings given for declared keys, as strings. */
  public Map<String, String> declared() {
    return declared;
  }

  /** Records a problem the service found itself; say which key, never its secret value. */
  public void problem(String problem) {
    problems.add(requireNonNull(problem, "problem"));
  }

  /** Whether nothing is wrong so far. */
  public boolean ok() {
    return problems.isEmpty() && serde != null;
  }

  /**
   * The registry settings.
   *
   * @throws IllegalStateException when they are invalid (see {@link #ok()})
   */
  public SerdeConfig serde() {
    if (serde == null) {
      throw new IllegalStateException("the schema registry settings are invalid");
    }
    return serde;
  }

  /**
   * Throws, naming every problem, unless {@link #ok()}.
   *
   * @param component the service, for the message ({@code "revocation-stream"})
   * @throws ConfigException listing every problem found
   */
  public void throwIfInvalid(String component) {
    if (!ok()) {
      throw new ConfigException(
          "Invalid "
              + component
              + " configuration, "
              + problems.size()
              + " problem(s):\n - "
              + String.join("\n - ", problems));
    }
  }
}
