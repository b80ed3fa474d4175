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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every service reads its configuration: old key names read as their new ones (see {@link
 * DeprecatedKeys}), every declared key validated against its {@link ConfigDef}, the schema registry
 * settings against {@link SerdeConfig}, and every problem collected (never a secret's value) so the
 * service can add its own checks and then refuse to start naming them all at once:
 *
 * <pre>{@code
 * ConfigCheck check = ConfigCheck.of(DEFINITION, DEPRECATED, configs);
 * if (check.declaredValid()) {
 *   // cross-key checks on check.values(), each failure a check.problem(...)
 * }
 * ConfigValues values = check.validated("issuer");
 * }</pre>
 */
public final class ConfigCheck {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigCheck.class);

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

  private final ConfigDef definition;
  private final Map<String, String> originals;
  private final Map<String, String> declared;
  private final List<String> problems;
  private final List<String> deprecations;
  private final boolean declaredValid;
  private final @Nullable SerdeConfig serde;

  private ConfigCheck(
      ConfigDef definition,
      Map<String, String> originals,
      Map<String, String> declared,
      List<String> problems,
      List<String> deprecations,
      @Nullable SerdeConfig serde) {
    this.definition = definition;
    this.originals = originals;
    this.declared = declared;
    this.problems = problems;
    this.deprecations = deprecations;
    this.declaredValid = problems.isEmpty();
    this.serde = serde;
  }

  /** Checks {@code configs} against {@code definition}, for a service that renamed no key. */
  public static ConfigCheck of(ConfigDef definition, Map<String, ?> configs) {
    return of(definition, DeprecatedKeys.none(), configs);
  }

  /**
   * Checks {@code configs} against {@code definition} and the registry settings, reading the old
   * names of {@code deprecated} as their new ones.
   *
   * @param configs the settings as given; values are turned into strings, passwords revealed for
   *     parsing only
   * @throws IllegalArgumentException when {@code deprecated} renames a key to one {@code
   *     definition} does not declare
   */
  public static ConfigCheck of(
      ConfigDef definition, DeprecatedKeys deprecated, Map<String, ?> configs) {
    requireNonNull(definition, "definition");
    requireNonNull(deprecated, "deprecated");
    requireNonNull(configs, "configs");
    deprecated.requireConsistentWith(definition);
    Map<String, String> originals = new LinkedHashMap<>();
    configs.forEach(
        (key, value) -> {
          if (value != null) {
            originals.put(key, value instanceof Password p ? p.value() : String.valueOf(value));
          }
        });
    List<String> problems = new ArrayList<>();
    List<String> deprecations = new ArrayList<>();
    deprecated
        .replacements()
        .forEach(
            (old, replacement) -> {
              String value = originals.remove(old);
              if (value == null) {
                return;
              }
              String current = originals.get(replacement);
              if (current == null) {
                originals.put(replacement, value);
                deprecations.add(old + " is deprecated; use " + replacement);
              } else if (current.equals(value)) {
                deprecations.add(old + " is deprecated; use " + replacement);
              } else {
                // Neither value is printed: either may be a secret.
                problems.add(
                    old
                        + " (deprecated) and "
                        + replacement
                        + " are both set, to different values; keep only "
                        + replacement);
              }
            });
    Map<String, String> declared = new LinkedHashMap<>();
    for (String name : definition.names()) {
      String value = originals.get(name);
      if (value != null) {
        declared.put(name, value);
      }
    }
    Map<String, ConfigValue> validated = new HashMap<>();
    for (ConfigValue value : definition.validate(declared)) {
      validated.put(value.name(), value);
    }
    for (String name : definition.configKeys().keySet()) {
      ConfigValue value = validated.get(name);
      // One problem per key: after a parse failure Kafka adds a follow-up "must be non-null".
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
        definition,
        Collections.unmodifiableMap(originals),
        Collections.unmodifiableMap(declared),
        problems,
        List.copyOf(deprecations),
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

  /** Every setting given, as strings, old key names replaced by their new ones. */
  public Map<String, String> originals() {
    return originals;
  }

  /** The settings given for declared keys, as strings. */
  public Map<String, String> declared() {
    return declared;
  }

  /** One line per old key name used, naming its new one. */
  public List<String> deprecations() {
    return deprecations;
  }

  /**
   * Refuses every key starting with {@code prefix} (the service's own, {@code "validator."}) that
   * is neither declared nor an old name: a misspelt key would otherwise be ignored.
   */
  public void rejectUnknown(String prefix) {
    rejectUnknown(prefix, Map.of());
  }

  /**
   * As {@link #rejectUnknown(String)}, but a key of {@code removed} (a key that was dropped, not
   * renamed) is refused with its own message, which should say what replaced it.
   */
  public void rejectUnknown(String prefix, Map<String, String> removed) {
    requireNonNull(prefix, "prefix");
    requireNonNull(removed, "removed");
    for (String key : originals.keySet()) {
      if (key.startsWith(prefix) && !definition.names().contains(key)) {
        problems.add(removed.getOrDefault(key, "Unknown key " + key));
      }
    }
  }

  /** Records a problem the service found itself; say which key, never its secret value. */
  public void problem(String problem) {
    problems.add(requireNonNull(problem, "problem"));
  }

  /** Whether every declared key is valid, so {@link #values()} may be read for further checks. */
  public boolean declaredValid() {
    return declaredValid;
  }

  /**
   * The parsed declared values, for the service's own checks across keys.
   *
   * @throws IllegalStateException unless {@link #declaredValid()}
   */
  public ConfigValues values() {
    if (!declaredValid) {
      throw new IllegalStateException("the declared settings are invalid");
    }
    return ConfigValues.parse(definition, declared);
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

  /**
   * The end of every service configuration's {@code of(Map)}: throws naming every problem, else
   * logs one warning per old key name used and returns the parsed values.
   *
   * @param component the service, for the messages ({@code "revocation-stream"})
   * @throws ConfigException listing every problem found
   */
  public ConfigValues validated(String component) {
    throwIfInvalid(component);
    for (String deprecation : deprecations) {
      LOG.warn("{} configuration: {}", component, deprecation);
    }
    return values();
  }
}
